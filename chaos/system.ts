/**
 * The packaged system, defined the way any team defines its own (tempest/chaos): the bank and store services as
 * parts, workers running the packaged workflows and activities, the seeded bank-and-store workload, the run's slice
 * of both services' audits as the snapshot, and the money and saga invariants. tempest.config.ts points `system` here.
 */
import { fileURLToPath } from 'node:url';
import { defineSystem, nodeCommand } from 'tempest/chaos';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import { TASK_QUEUES } from '../workflows/types';
import { bankSlice, storeSlice } from './audits';
import { type Audits, bankStoreCheckers } from './checkers';
import { bankStoreWorkload } from './workload';

/** Paths relative to this file, so the system works from any project that points at it. */
const here = (relative: string): URL => new URL(relative, import.meta.url);

/** A service of services/<name>/main.ts: listening on the port tempest gives it, with its database in its data directory. */
const service = (name: 'bank' | 'store') => ({
  start: ({ port, host, dataDir }: { port: number; host: string; dataDir: string }) =>
    nodeCommand(fileURLToPath(here(`../services/${name}/main.ts`)), ['--port', String(port), '--host', host, '--data-dir', dataDir]),
  ready: { http: '/health' },
});

export default defineSystem({
  name: 'bank-and-store',
  parts: { bank: service('bank'), store: service('store') },
  workers: {
    workflows: here('../workflows/index.ts'),
    activities: here('../activities/worker.ts'),
    taskQueues: Object.values(TASK_QUEUES),
    count: 2,
  },
  workload: bankStoreWorkload,
  // The run's own slice of both audits: the services may hold earlier runs' state (explore reuses one cluster).
  snapshot: async ({ parts, runId }): Promise<Audits> => {
    const [bank, store] = await Promise.all([
      new BankClient({ baseUrl: parts.bank!.url }).audit(),
      new StoreClient({ baseUrl: parts.store!.url }).audit(),
    ]);
    return { bank: bankSlice(bank, `${runId}-`), store: storeSlice(store, `${runId}-`) };
  },
  checkers: bankStoreCheckers,
  businessErrors: ['InvalidAccountError', 'InsufficientFundsError', 'PaymentDeclined', 'OutOfStockError', 'InvalidAddressError'],
});
