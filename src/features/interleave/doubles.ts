/**
 * Activity doubles the explorer controls: each call parks until the explorer answers it (completes it with the
 * definition's `returns`, or fails it with one of its `fails`), so the order in which activities answer, relative
 * to each other and to signals and timers, is the explorer's to choose. One worker serves every run; calls are
 * told apart by the workflow id of the run that made them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDoubleSpec } from './definition.ts';
import type { InterleavingCall } from './run-record.ts';

interface Parked {
  call: InterleavingCall;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The calls of one run, and those still waiting for an answer, oldest first. */
export class RunCalls {
  readonly calls: InterleavingCall[] = [];
  readonly parked: Parked[] = [];
  private readonly sequences = new Map<InterleavingCall, number>();

  constructor(private readonly specs: Record<string, ActivityDoubleSpec>) {}

  /**
   * Calls the workflow made in one workflow task reach the worker in any order; they are kept in the order the
   * workflow made them (its activity ids count up), so a run's numbering and canonical steps never depend on it.
   */
  park(activity: string, args: unknown[], sequence: number): Promise<unknown> {
    const call: InterleavingCall = { activity, call: 0, args, index: 0 };
    this.sequences.set(call, sequence);
    const order = (a: InterleavingCall, b: InterleavingCall): number => this.sequences.get(a)! - this.sequences.get(b)!;
    this.calls.push(call);
    this.calls.sort(order);
    this.calls.forEach((c, index) => {
      c.index = index;
      c.call = this.calls.slice(0, index).filter((earlier) => earlier.activity === c.activity).length + 1;
    });
    return new Promise((resolve, reject) => {
      this.parked.push({ call, resolve, reject });
      this.parked.sort((a, b) => order(a.call, b.call));
    });
  }

  private take(activity: string, call: number): Parked {
    const at = this.parked.findIndex((p) => p.call.activity === activity && p.call.call === call);
    if (at < 0) throw new Error(`${activity} call ${call} is not waiting for an answer`);
    return this.parked.splice(at, 1)[0]!;
  }

  complete(activity: string, call: number, step: number): void {
    const parked = this.take(activity, call);
    const returns = this.specs[activity]?.returns;
    const result: unknown = typeof returns === 'function' ? (returns as (...args: unknown[]) => unknown)(...parked.call.args) : returns;
    parked.call.answer = { kind: 'completed', result, step };
    parked.resolve(result);
  }

  fail(activity: string, call: number, type: string, step: number): void {
    const parked = this.take(activity, call);
    const message = this.specs[activity]?.fails?.find((f) => f.type === type)?.message ?? `${activity} failed: ${type}`;
    parked.call.answer = { kind: 'failed', type, step };
    parked.reject(ApplicationFailure.create({ type, message, nonRetryable: true }));
  }

  /** Answer every call still waiting, so the worker lets go of them; the run is over and the server ignores it. */
  release(): void {
    for (const parked of this.parked.splice(0))
      parked.reject(ApplicationFailure.create({ type: 'RunOver', message: 'the exploration run is over', nonRetryable: true }));
  }
}

export class ActivityDoubles {
  private readonly runs = new Map<string, RunCalls>();

  constructor(private readonly specs: Record<string, ActivityDoubleSpec>) {}

  /** The worker's activities: one double per activity the definition names. */
  activities(): Record<string, (...args: unknown[]) => Promise<unknown>> {
    return Object.fromEntries(Object.keys(this.specs).map((name) => [name, (...args: unknown[]) => this.called(name, args)]));
  }

  private called(activity: string, args: unknown[]): Promise<unknown> {
    const { workflowExecution, activityId } = Context.current().info;
    const run = this.runs.get(workflowExecution?.workflowId ?? '');
    // A call of a run that is over (a retry the server sent late): nobody will answer it.
    if (!run)
      return Promise.reject(ApplicationFailure.create({ type: 'RunOver', message: 'the exploration run is over', nonRetryable: true }));
    return run.park(activity, args, Number(activityId));
  }

  open(workflowId: string): RunCalls {
    const run = new RunCalls(this.specs);
    this.runs.set(workflowId, run);
    return run;
  }

  close(workflowId: string): void {
    this.runs.get(workflowId)?.release();
    this.runs.delete(workflowId);
  }
}
