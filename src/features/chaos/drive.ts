/**
 * A system's workload driven once, without faults, against a system that is already up (`tempest up --run`): the
 * same plan a chaos run of the same workload fields and seed would make, the parts prepared with its setup, every
 * operation run to its end, and the branches the workflows reached. Real executions, for `tempest histories record`
 * to record and for people to look at in the Web UI.
 */
import type { Client } from '@temporalio/client';
import type { PartAddress } from '../../base/system-spec.ts';
import { type BranchesReached, branchesReached } from './branches.ts';
import { OperationHistory } from './history.ts';
import type { OperationOutcome } from './observations.ts';
import { type Plan, planScenario } from './plan.ts';
import { settle } from './runner.ts';
import { bindScenario, defineScenario, type WorkloadFields } from './scenario.ts';
import { type System, SystemCodeError } from './system.ts';
import { runWorkload } from './workload.ts';

export interface DriveOptions {
  system: System;
  client: Client;
  /** Each part's address, as the workload's prepare hook reaches them. */
  parts: Record<string, PartAddress>;
  /** The workload's fields, as a scenario gives them (default: concurrency 4 and the workload's own defaults). */
  workload?: WorkloadFields;
  seed: number;
  /** How long every workflow may take to end (default 60 s). */
  settleWithinMs?: number;
  signal?: AbortSignal;
}

export interface DriveResult {
  plan: Plan;
  /** How each operation's workflow ended, as its close event says ('running' when it had not by the deadline). */
  outcomes: OperationOutcome[];
  branches: BranchesReached[];
  ms: number;
}

/** The default fields: the workload's own defaults, four operations at once. */
export const DEFAULT_DRIVE_WORKLOAD: WorkloadFields = { concurrency: 4 };

/** The plan of driving a system's workload once: a DefinitionError naming the field when the fields or the plan are wrong. */
export function planDrive(system: System, workload: WorkloadFields, seed: number): Plan {
  const scenario = bindScenario(
    defineScenario({ name: 'up', description: "the system's workload, once, without faults", workload, faults: [] }),
    system,
  );
  return planScenario(scenario, seed, `up-${seed}-${Date.now().toString(36)}`);
}

/** Drive the workload once; a hook of the system's that throws is a SystemCodeError naming it. */
export async function driveWorkload(options: DriveOptions): Promise<DriveResult> {
  const started = Date.now();
  const workload = options.workload ?? DEFAULT_DRIVE_WORKLOAD;
  const plan = planDrive(options.system, workload, options.seed);
  const { prepare, branch } = options.system.workload;
  if (prepare) {
    try {
      await prepare({ parts: options.parts, setup: plan.setup, runId: plan.runId });
    } catch (error) {
      throw new SystemCodeError(`workload.prepare threw: ${(error as Error).message?.split('\n')[0]}`, { cause: error });
    }
  }
  const history = new OperationHistory();
  const deadline = Date.now() + plan.faultPhaseEndsMs + (options.settleWithinMs ?? 60_000);
  await runWorkload(plan.operations, {
    client: options.client,
    history,
    concurrency: workload.concurrency,
    deadline,
    signal: options.signal,
  });
  options.signal?.throwIfAborted();
  // Read from each workflow's close event, as a chaos run reads them: the same endings, the same branches.
  const { outcomes } = await settle(options.client, plan, deadline, options.signal);
  let branches: BranchesReached[];
  try {
    branches = branchesReached(plan, outcomes, branch);
  } catch (error) {
    throw new SystemCodeError(`workload.branch threw: ${(error as Error).message?.split('\n')[0]}`, { cause: error });
  }
  return { plan, outcomes, branches, ms: Date.now() - started };
}
