import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { tempestContext, useDevServer, useWorkers } from 'tempest/vitest';
import { beforeAll } from 'vitest';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';

export interface DevServerWorld {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  bank: BankClient;
  store: StoreClient;
  bankUrl: string;
  storeUrl: string;
  workflowBundlePath: string;
}

/**
 * The e2e project's world, through tempest/vitest: connections to the dev server the plugin started once for the
 * run, workers with the packaged workflows and activities on it for the calling file, and clients of the real bank
 * and store.
 */
export function useDevServerWorld(): DevServerWorld {
  const world = {} as DevServerWorld;
  const temporal = useDevServer();
  useWorkers(() => temporal.nativeConnection);
  beforeAll(() => {
    const { parts, workflowBundlePath } = tempestContext();
    Object.assign(world, {
      address: temporal.address,
      client: temporal.client,
      nativeConnection: temporal.nativeConnection,
      bank: new BankClient({ baseUrl: parts!.bank!.url }),
      store: new StoreClient({ baseUrl: parts!.store!.url }),
      bankUrl: parts!.bank!.url,
      storeUrl: parts!.store!.url,
      workflowBundlePath: workflowBundlePath!,
    });
  });
  return world;
}
