/**
 * What a worker process loads (the system's `workers.activities`): the packaged activities, built from the parts'
 * addresses tempest hands the worker (through the worker-bank and worker-store links in a chaos cluster).
 */
import type { ActivityContext } from 'tempest/chaos';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import { createActivities as createFromClients } from './index';

export function createActivities({ parts }: ActivityContext) {
  return createFromClients({ bank: new BankClient({ baseUrl: parts.bank!.url }), store: new StoreClient({ baseUrl: parts.store!.url }) });
}
