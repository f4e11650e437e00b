import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTimeSkippingEnvironment } from '../../src/harness/temporal';
import { installQuietRuntime, packagedActivities, WorkerGroup } from '../../src/harness/worker';
import { BankClient } from '../../services/bank/client';
import { StoreClient } from '../../services/store/client';
import './provided';

export interface TimeSkippingWorld {
  env: TestWorkflowEnvironment;
  client: Client;
  bank: BankClient;
  store: StoreClient;
}

/**
 * One time-skipping test server and one worker group for the calling test file, with the packaged activities
 * talking to the real bank and store started by the project's global setup. Tests in the file run serially
 * (time skipping is global to the server); use ids unique to each test.
 */
export function useTimeSkippingWorld(): TimeSkippingWorld {
  const world = {} as TimeSkippingWorld;
  let workers: WorkerGroup | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    const bankUrl = inject('bankUrl');
    const storeUrl = inject('storeUrl');
    world.env = await createTimeSkippingEnvironment();
    world.client = world.env.client;
    world.bank = new BankClient({ baseUrl: bankUrl });
    world.store = new StoreClient({ baseUrl: storeUrl });
    workers = await WorkerGroup.create({
      connection: world.env.nativeConnection,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: packagedActivities({ bankUrl, storeUrl }),
    });
    void workers.start();
  });
  afterAll(async () => {
    await workers?.shutdown();
    await world.env?.teardown();
  });
  return world;
}

export { uniqueId } from './ids';
