/**
 * Activity doubles the explorer controls: each call parks until the explorer answers it (completes it with the
 * definition's `returns`, or fails it with one of its `fails`), so the order in which activities answer, relative
 * to each other and to signals, updates and timers, is the explorer's to choose. One worker serves every run, and
 * runs are one at a time: a call belongs to the run that is open (from the explored workflow, a run it continued
 * as, or a child workflow of it); a call that arrives with no run open is refused.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDoubleSpec } from './definition.ts';
import type { InterleavingCall } from './run-record.ts';

/** Where a call came from: the workflow execution and run that scheduled it, and its activity id there. */
export interface CallSource {
  workflowId: string;
  runId: string;
  activityId: string;
}

export interface Parked {
  call: InterleavingCall;
  source: CallSource;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** How a settled run orders the calls that arrived: the execution's label ('' for the explored workflow) and its rank, the run's place in its chain. */
export interface CallPlace {
  execution: string;
  executionRank: number;
  run: number;
}

const runOver = (): ApplicationFailure =>
  ApplicationFailure.create({ type: 'RunOver', message: 'the exploration run is over', nonRetryable: true });

/** The calls of one run, and those still waiting for an answer, oldest first. */
export class RunCalls {
  readonly calls: InterleavingCall[] = [];
  readonly parked: Parked[] = [];
  /** Calls that reached their double since the run last settled, not numbered yet. */
  private arrivals: Parked[] = [];
  /** Called whenever a call parks (a waiting run wakes on it). */
  onPark: () => void = () => undefined;
  private readonly sources = new Map<InterleavingCall, CallSource>();

  constructor(private readonly specs: Record<string, ActivityDoubleSpec>) {}

  park(activity: string, args: unknown[], source: CallSource): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: InterleavingCall = { activity, call: 0, args, index: 0 };
      this.sources.set(call, source);
      this.arrivals.push({ call, source, resolve, reject });
      this.onPark();
    });
  }

  /** Where a call came from. */
  sourceOf(call: InterleavingCall): CallSource | undefined {
    return this.sources.get(call);
  }

  /** Whether the call an activity of this run is, reached its double (numbered or not yet). */
  hasParked(source: CallSource): boolean {
    const same = (p: Parked) =>
      p.source.workflowId === source.workflowId && p.source.runId === source.runId && p.source.activityId === source.activityId;
    return this.parked.some(same) || this.arrivals.some(same);
  }

  /**
   * Number the calls that arrived since the run last settled. Calls of one workflow task reach the worker in any
   * order, and calls of several executions too: they are kept in an order the workflow alone decides (the
   * explored workflow's first, then each child's in the order they were started; within one, by run of the chain
   * and activity id), so numbering and canonical steps never depend on the machine. `placeOf` is undefined for a
   * call that is no run's of this tree (a late call of an earlier run): it is refused.
   */
  number(placeOf: (source: CallSource) => CallPlace | undefined): void {
    const placed = this.arrivals.flatMap((parked) => {
      const place = placeOf(parked.source);
      if (!place) parked.reject(runOver());
      return place ? [{ parked, place }] : [];
    });
    this.arrivals = [];
    placed.sort(
      (a, b) =>
        a.place.executionRank - b.place.executionRank ||
        a.place.run - b.place.run ||
        Number(a.parked.source.activityId) - Number(b.parked.source.activityId),
    );
    for (const { parked, place } of placed) {
      const { call } = parked;
      call.index = this.calls.length;
      call.call = this.calls.filter((c) => c.activity === call.activity && (c.execution ?? '') === place.execution).length + 1;
      if (place.execution !== '') call.execution = place.execution;
      if (place.run > 1) call.run = place.run;
      this.calls.push(call);
      this.parked.push(parked);
    }
  }

  private take(activity: string, call: number, execution: string | undefined): Parked {
    const at = this.parked.findIndex(
      (p) => p.call.activity === activity && p.call.call === call && (p.call.execution ?? '') === (execution ?? ''),
    );
    if (at < 0) throw new Error(`${activity} call ${call} is not waiting for an answer`);
    return this.parked.splice(at, 1)[0]!;
  }

  complete(activity: string, call: number, execution: string | undefined, step: number): void {
    const parked = this.take(activity, call, execution);
    const returns = this.specs[activity]?.returns;
    const result: unknown = typeof returns === 'function' ? (returns as (...args: unknown[]) => unknown)(...parked.call.args) : returns;
    parked.call.answer = { kind: 'completed', result, step };
    parked.resolve(result);
  }

  fail(activity: string, call: number, execution: string | undefined, type: string, step: number): void {
    const parked = this.take(activity, call, execution);
    const message = this.specs[activity]?.fails?.find((f) => f.type === type)?.message ?? `${activity} failed: ${type}`;
    parked.call.answer = { kind: 'failed', type, step };
    parked.reject(ApplicationFailure.create({ type, message, nonRetryable: true }));
  }

  /**
   * Let go of the calls of runs that closed without waiting for them (their answers would be refused): they stay
   * unanswered in the record. Returns how many there were.
   */
  abandon(closedRun: (source: CallSource) => boolean): number {
    const gone = this.parked.filter((p) => closedRun(p.source));
    for (const parked of gone) {
      this.parked.splice(this.parked.indexOf(parked), 1);
      parked.reject(runOver());
    }
    return gone.length;
  }

  /** Answer every call still waiting, so the worker lets go of them; the run is over and the server ignores it. */
  release(): void {
    for (const parked of [...this.parked.splice(0), ...this.arrivals.splice(0)]) parked.reject(runOver());
  }
}

export class ActivityDoubles {
  private current: RunCalls | undefined;

  constructor(private readonly specs: Record<string, ActivityDoubleSpec>) {}

  /** The worker's activities: one double per activity the definition names. */
  activities(): Record<string, (...args: unknown[]) => Promise<unknown>> {
    return Object.fromEntries(Object.keys(this.specs).map((name) => [name, (...args: unknown[]) => this.called(name, args)]));
  }

  private called(activity: string, args: unknown[]): Promise<unknown> {
    const { workflowExecution, activityId } = Context.current().info;
    // A call with no run open (a retry the server sent late): nobody will answer it.
    if (!this.current || !workflowExecution) return Promise.reject(runOver());
    return this.current.park(activity, args, { workflowId: workflowExecution.workflowId, runId: workflowExecution.runId, activityId });
  }

  open(): RunCalls {
    this.current?.release();
    this.current = new RunCalls(this.specs);
    return this.current;
  }

  close(run: RunCalls): void {
    run.release();
    if (this.current === run) this.current = undefined;
  }
}
