/**
 * Which endings (branches) a run reached, per workflow type and intent (pure): how each group of operations the
 * workload planned actually ended. The engine knows no branch names: the system's workload gives each operation
 * its intent, and may name the ending it reached (`workload.branch`); by default an ending is the workflow's status
 * and failure type.
 */
import { describeOutcome, outcomeOf, type OperationOutcome } from './observations.ts';
import type { Plan, PlannedOperation } from './plan.ts';

export interface BranchesReached {
  workflowType: string;
  /** The intent its operations were planned with; undefined when the workload gave none. */
  intent?: string;
  /** How many operations were planned with this workflow type and intent. */
  planned: number;
  /** Each ending they reached, with how many reached it, most first. */
  reached: { branch: string; count: number }[];
}

export type BranchOf = (operation: PlannedOperation, outcome: OperationOutcome) => string;

export const defaultBranch: BranchOf = (_operation, outcome) => describeOutcome(outcome);

/** Group the plan's operations by workflow type and intent, and count the endings each group reached. */
export function branchesReached(
  plan: Pick<Plan, 'operations'>,
  outcomes: readonly OperationOutcome[],
  branchOf: BranchOf = defaultBranch,
): BranchesReached[] {
  const groups = new Map<string, { workflowType: string; intent?: string; planned: number; reached: Map<string, number> }>();
  for (const op of plan.operations) {
    const key = JSON.stringify([op.workflowType, op.intent ?? null]);
    const group = groups.get(key) ?? {
      workflowType: op.workflowType,
      ...(op.intent === undefined ? {} : { intent: op.intent }),
      planned: 0,
      reached: new Map<string, number>(),
    };
    const branch = branchOf(op, outcomeOf({ outcomes: [...outcomes] }, op));
    group.planned++;
    group.reached.set(branch, (group.reached.get(branch) ?? 0) + 1);
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => a.workflowType.localeCompare(b.workflowType) || (a.intent ?? '').localeCompare(b.intent ?? ''))
    .map(({ reached, ...group }) => ({
      ...group,
      reached: [...reached]
        .map(([branch, count]) => ({ branch, count }))
        .sort((a, b) => b.count - a.count || a.branch.localeCompare(b.branch)),
    }));
}

/** "order, auto-reject (3): completed (rejected, auto-rejected) 3". */
export function describeBranches(group: BranchesReached): string {
  return `${group.workflowType}${group.intent === undefined ? '' : `, ${group.intent}`} (${group.planned}): ${group.reached.map((r) => `${r.branch} ${r.count}`).join(', ')}`;
}
