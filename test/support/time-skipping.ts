import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { tempestContext, useTimeSkipping, useWorkers } from 'tempest/vitest';
import { beforeAll } from 'vitest';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  client: Client;
  bank: BankClient;
  store: StoreClient;
}

/**
 * The workflows project's world, through tempest/vitest as any team's suite would use it: this file's own
 * time-skipping server, workers with the packaged workflows and activities on it, and clients of the real bank and
 * store the plugin started once for the run. Tests in a file run serially (time skipping is global to the server);
 * use ids unique to each test.
 */
export function useTimeSkippingWorld(): TimeSkippingWorld {
  const world = {} as TimeSkippingWorld;
  const timeSkipping = useTimeSkipping();
  useWorkers(() => timeSkipping.nativeConnection);
  beforeAll(() => {
    const parts = tempestContext().parts!;
    Object.assign(world, {
      env: timeSkipping.env,
      client: timeSkipping.client,
      bank: new BankClient({ baseUrl: parts.bank!.url }),
      store: new StoreClient({ baseUrl: parts.store!.url }),
    });
  });
  return world;
}

export { uniqueId } from './ids';
