/**
 * The `local` provider, the embedded default (no Docker): the Temporal dev server with the Web UI and its state in
 * `<dataDir>/temporal.db` (so running workflows survive a kill -9 and a restart on the same port), plus the shared
 * parts (services, Toxiproxy, worker processes; see process-cluster.ts). Processes: temporal, bank, store,
 * worker-1 .. worker-N.
 */
import path from 'node:path';
import { freePort } from '../../../base/harness/process.ts';
import { startDevServer } from '../../../base/harness/temporal.ts';
import { ControlledProcess } from './controlled-process.ts';
import { PROCESS_CLUSTER_CAPABILITIES, startProcessCluster } from './process-cluster.ts';
import type { ClusterProvider } from './types.ts';

export const localProvider: ClusterProvider = {
  name: 'local',
  capabilities: [...PROCESS_CLUSTER_CAPABILITIES, 'temporal-process'],
  start: (options) =>
    startProcessCluster('local', options, async (context) => {
      // Fixed up front, so a restart comes back where the links and the Web UI expect it.
      const [port, uiPort] = [await freePort(), await freePort()];
      const temporal = new ControlledProcess('temporal', () =>
        startDevServer({
          port,
          ui: true,
          uiPort,
          dbFile: path.join(context.dataDir, 'temporal.db'),
          namespace: context.namespace,
          logFile: context.logFile('temporal'),
          onSpawn: context.recorder('temporal'),
        }),
      );
      await temporal.start();
      return { address: `127.0.0.1:${port}`, webUiUrl: `http://127.0.0.1:${uiPort}`, process: temporal };
    }),
};
