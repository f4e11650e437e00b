/** What a chaos run observed once it settled: the input of every checker. Pure data. */
import type { BankAudit } from '../../services/bank/api.ts';
import type { StoreAudit } from '../../services/store/api.ts';
import type { HistoryEntry } from './history.ts';
import type { Plan } from './plan.ts';

export type WorkflowStatus = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed-out' | 'running' | 'unknown';

export interface WorkflowOutcome {
  workflowId: string;
  /** The planned operation this workflow ran. */
  op: string;
  status: WorkflowStatus;
  /** The ApplicationFailure type the workflow failed with (DepositFailed, OrderFailed, ...). */
  failureType?: string;
  /** The workflow's result when it completed (for order: its final status). */
  result?: unknown;
}

export interface ReplayObservation {
  workflowId: string;
  status: 'passed' | 'nondeterministic' | 'failed' | 'drifted' | 'not-recorded';
  detail?: string;
}

/** An activity attempt that followed a failed attempt, from the recorded histories (ActivityTaskStarted.lastFailure). */
export interface ActivityRetry {
  workflowId: string;
  activity: string;
  /** The attempt that started after the failure. */
  attempt: number;
  /** The failure type of the attempt before it. */
  afterFailure: string;
}

export interface Observations {
  plan: Plan;
  history: readonly HistoryEntry[];
  outcomes: WorkflowOutcome[];
  bank: BankAudit;
  store: StoreAudit;
  /** Store totals right after seeding, to check conservation against. */
  openingStore: Pick<StoreAudit, 'moneyTotal' | 'stockTotals'>;
  /** Bank total right after seeding. */
  openingBankTotal: number;
  /** Workflows still not closed when the settle bound ran out. */
  unsettled: string[];
  settleWithinMs: number;
  replay: ReplayObservation[];
  /** Every retried activity attempt the recorded histories show. */
  retries: ActivityRetry[];
}
