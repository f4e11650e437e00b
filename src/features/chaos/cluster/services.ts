/**
 * The `services` provider: Temporal as production runs it, around the same parts, Toxiproxy and workers as the
 * local provider (process-cluster.ts). PostgreSQL (the machine's own, see harness/postgres.ts) with both schemas
 * made by the pinned schema tool, then frontend, history, matching and the internal worker as separate processes
 * of the pinned server with 4 history shards, each reaching the database through a link of its own:
 *
 *   processes  postgres, temporal-frontend, temporal-history, temporal-matching, temporal-worker (+ parts, workers)
 *   links      temporal-<service>-postgres for each service, temporal-worker-frontend (the internal worker's
 *              client of the frontend) (+ worker-temporal, client-temporal, the parts' links)
 *
 * Persistence faults (the server's own fault injection: per data store and method, error probabilities) are
 * written into a service's config and take effect when it restarts with it (injectPersistenceFaults).
 *
 *   <dataDir>/parts/temporal/<service>.json   each service's config, rewritten at every start
 *   <dataDir>/parts/temporal/data/            the database (as root: a directory of the system's temporary
 *                                             directory the postgres user can reach, removed with the cluster)
 */
import {
  layoutTemporalServices,
  type PersistenceFaults,
  startInOrder,
  TEMPORAL_SERVICES,
  type TemporalService,
} from '../../../base/harness/temporal-services.ts';
import { ControlledProcess } from './controlled-process.ts';
import { databaseLink, INTERNAL_WORKER_LINK, serviceProcess } from './services-names.ts';
import { type PartContext, PROCESS_CLUSTER_CAPABILITIES, startProcessCluster, type TemporalFrontend } from './process-cluster.ts';
import type { ClusterProvider } from './types.ts';

async function startServices(context: PartContext): Promise<TemporalFrontend> {
  const layout = await layoutTemporalServices({
    dir: context.partDir('temporal'),
    namespace: context.namespace,
    logFile: context.logFile,
    onSpawn: (name) => context.recorder(name),
  });
  const postgres = new ControlledProcess('postgres', () => layout.startPostgres());
  const faults = new Map<TemporalService, PersistenceFaults>();
  const started: ControlledProcess[] = [];
  const dispose = async (): Promise<void> => layout.dispose();
  try {
    const [links] = await Promise.all([
      context.createLinks({
        ...Object.fromEntries(TEMPORAL_SERVICES.map((service) => [databaseLink(service), layout.database])),
        [INTERNAL_WORKER_LINK]: layout.frontend,
      }),
      postgres.start().then(() => void started.push(postgres)),
    ]);
    await layout.setupSchemas();
    // Each start writes the service's config again: a restart picks up the persistence faults injected since.
    const services = TEMPORAL_SERVICES.map((service) => ({
      service,
      process: new ControlledProcess(serviceProcess(service), () =>
        layout.startService(service, {
          database: links[databaseLink(service)]!.listen,
          frontend: service === 'worker' ? links[INTERNAL_WORKER_LINK]!.listen : undefined,
          faults: faults.get(service),
        }),
      ),
    }));
    await startInOrder(services, async ({ process }) => {
      await process.start();
      started.push(process);
    });
    await layout.registerNamespace();
    const restart = async (targets: readonly TemporalService[]): Promise<void> => {
      // One at a time, as an operator rolls a config change: the cluster keeps serving meanwhile.
      for (const service of targets) await services.find((s) => s.service === service)!.process.restart();
    };
    // Healed once every shard is served again (with the faults in force, the data stores they hit may never answer).
    const restartHealed = async (targets: readonly TemporalService[]): Promise<void> => {
      await restart(targets);
      if (targets.length > 0) await layout.waitUntilServing();
    };
    return {
      address: layout.frontend,
      processes: [postgres, ...services.map((s) => s.process)],
      links,
      dispose,
      heal: async () => {
        const faulted = [...faults.keys()];
        faults.clear();
        await restartHealed(faulted);
      },
      injectPersistenceFaults: async (injected, targets) => {
        for (const service of targets) {
          if (injected) faults.set(service, injected);
          else faults.delete(service);
        }
        await (injected ? restart(targets) : restartHealed(targets));
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
  capabilities: [...PROCESS_CLUSTER_CAPABILITIES, 'temporal-services', 'persistence-faults'],
  start: (options) => startProcessCluster('services', options, startServices),
};
