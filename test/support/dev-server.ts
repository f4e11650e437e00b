import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, inject } from 'vitest';
import { installQuietRuntime, NativeConnection, packagedActivities, WorkerGroup } from '../../src/harness/worker';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';
import './provided';

export interface DevServerWorld {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  bank: BankClient;
  store: StoreClient;
}

/**
 * Connections to the e2e project's dev server and a worker group with the packaged workflows and activities,
 * for the calling test file. The servers themselves are started once by the project's global setup.
 */
export function useDevServerWorld(): DevServerWorld {
  const world = {} as DevServerWorld;
  let connection: Connection | undefined;
  let workers: WorkerGroup | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    world.address = inject('temporalAddress');
    connection = await Connection.connect({ address: world.address });
    world.nativeConnection = await NativeConnection.connect({ address: world.address });
    world.client = new Client({ connection });
    world.bank = new BankClient({ baseUrl: inject('bankUrl') });
    world.store = new StoreClient({ baseUrl: inject('storeUrl') });
    workers = await WorkerGroup.create({
      connection: world.nativeConnection,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: packagedActivities({ bankUrl: inject('bankUrl'), storeUrl: inject('storeUrl') }),
    });
    void workers.start();
  });
  afterAll(async () => {
    await workers?.shutdown();
    await Promise.allSettled([connection?.close(), world.nativeConnection?.close()]);
  });
  return world;
}
