/**
 * The `services` provider: Temporal as production runs it, around the same parts, Toxiproxy and workers as the
 * local provider (process-cluster.ts). PostgreSQL (the machine's own, see harness/postgres.ts) with both schemas
 * made by the pinned schema tool, then frontend, history, matching and the internal worker as separate processes
 * of the pinned server with 4 history shards, each reaching the database through a link of its own:
 *
 *   processes  postgres, temporal-frontend, temporal-history, temporal-matching, temporal-worker (+ parts, workers)
 *   links      temporal-<service>-postgres for each service (+ worker-temporal, client-temporal, the parts' links)
 *
 * Persistence faults (the server's own fault injection: per data store and method, error probabilities) are
 * written into a service's config and take effect when it restarts with it (injectPersistenceFaults).
 *
 *   <dataDir>/parts/temporal/<service>.json   each service's config, rewritten at every start
 */
import path from 'node:path';
import { freePort } from '../../harness/process.ts';
import { postgresDataDir, startPostgres } from '../../harness/postgres.ts';
import {
  type PersistenceFaults,
  registerNamespace,
  type ServicePorts,
  type ServicesConfig,
  serviceConfig,
  setupSchemas,
  startTemporalService,
  TEMPORAL_SERVICES,
  type TemporalService,
  writeDynamicConfig,
} from '../../harness/temporal-services.ts';
import { writeFileSync } from 'node:fs';
import { ControlledProcess } from './controlled-process.ts';
import { databaseLink, serviceProcess } from './services-names.ts';
import { startProcessCluster, type TemporalFrontend } from './process-cluster.ts';
import type { ClusterProvider } from './types.ts';

const DATABASE_USER = 'temporal';
const HISTORY_SHARDS = 4;


async function startServices(context: Parameters<Parameters<typeof startProcessCluster>[2]>[0]): Promise<TemporalFrontend> {
  const portsOf = async (http: boolean): Promise<ServicePorts> => ({ grpc: await freePort(), membership: await freePort(), ...(http ? { http: await freePort() } : {}) });
  const ports = {} as Record<TemporalService, ServicePorts>;
  for (const service of TEMPORAL_SERVICES) ports[service] = await portsOf(service === 'frontend');
  const databasePort = await freePort();
  const temporalDir = context.partDir('temporal');
  const config: ServicesConfig = { ports, numHistoryShards: HISTORY_SHARDS, user: DATABASE_USER, dynamicConfigFile: path.join(temporalDir, 'dynamic-config.yaml') };
  writeDynamicConfig(config.dynamicConfigFile);
  const frontend = `127.0.0.1:${ports.frontend.grpc}`;

  const database = postgresDataDir(context.partDir('postgres'));
  const postgres = new ControlledProcess('postgres', () =>
    startPostgres({ dataDir: database.dir, port: databasePort, user: DATABASE_USER, logFile: context.logFile('postgres'), onSpawn: context.recorder('postgres') }),
  );
  const faults = new Map<TemporalService, PersistenceFaults>();
  const started: ControlledProcess[] = [];
  const dispose = async (): Promise<void> => database.remove();
  try {
    const [links] = await Promise.all([
      context.createLinks(Object.fromEntries(TEMPORAL_SERVICES.map((service) => [databaseLink(service), `127.0.0.1:${databasePort}`]))),
      postgres.start().then(() => void started.push(postgres)),
    ]);
    await setupSchemas(`127.0.0.1:${databasePort}`, DATABASE_USER, context.logFile('schema'));
    const services = TEMPORAL_SERVICES.map((service) =>
      new ControlledProcess(serviceProcess(service), () => {
        // Written at every start: a restart picks up the persistence faults injected since.
        const configFile = path.join(temporalDir, `${service}.json`);
        writeFileSync(configFile, `${JSON.stringify(serviceConfig(config, links[databaseLink(service)]!.listen, faults.get(service)), null, 2)}\n`);
        return startTemporalService({
          service,
          configFile,
          address: `127.0.0.1:${ports[service].grpc}`,
          logFile: context.logFile(serviceProcess(service)),
          onSpawn: context.recorder(serviceProcess(service)),
        });
      }),
    );
    // History first: the first service to start writes the cluster's metadata, and two at once race to (and one
    // fails). The others then together: each finds the others through membership.
    const [first, ...others] = [...services].sort((a, b) => Number(b.name === serviceProcess('history')) - Number(a.name === serviceProcess('history')));
    await first!.start();
    started.push(first!);
    await Promise.all(others.map((service) => service.start().then(() => void started.push(service))));
    await registerNamespace(frontend, context.namespace);
    return {
      address: frontend,
      processes: [postgres, ...services],
      links,
      dispose,
      heal: async () => {
        const faulted = [...faults.keys()];
        faults.clear();
        for (const service of faulted) await services[TEMPORAL_SERVICES.indexOf(service)]!.restart();
      },
      injectPersistenceFaults: async (injected, targets) => {
        for (const service of targets) {
          if (injected) faults.set(service, injected);
          else faults.delete(service);
        }
        // One at a time, as an operator rolls a config change: the cluster keeps serving meanwhile.
        for (const service of targets) await services[TEMPORAL_SERVICES.indexOf(service)]!.restart();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((part) => part.stop()));
    await dispose();
    throw error;
  }
}

export const servicesProvider: ClusterProvider = {
  name: 'services',
  start: (options) => startProcessCluster('services', options, startServices),
};
