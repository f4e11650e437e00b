/**
 * Activity doubles: what an activity does in a workflow test (return this, fail with that, fail the first N
 * attempts, take this long on the workflow clock) and what the test expects of its calls. A double is a plain
 * description, reusable across tests; each run records its own calls.
 */
import { isDeepStrictEqual } from 'node:util';
import { Context, type Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { formatOffset } from '../../base/duration.ts';
import { durationOf, WorkflowTestInputError } from './offsets.ts';

type Behaviour =
  { kind: 'returns'; value: unknown } | { kind: 'fails'; error: Error } | { kind: 'calls'; fn: (...args: never[]) => unknown };

export interface FailureOptions {
  /** The failure's type (default: the error's name), as a workflow's retry policy names it in nonRetryableErrorTypes. */
  type?: string;
  /** Never retried, whatever the retry policy says. */
  nonRetryable?: boolean;
}

interface DoubleSpec {
  failFirst: number;
  failure?: Error;
  then: Behaviour;
  takesMs: number;
  expectedCalls?: number;
  expectedArgs?: unknown[];
}

/** One activity's double: build it with `activity.returns(...)`, `activity.fails(...)`, `activity.failsFirst(...)`. */
export class ActivityDouble {
  /** @internal */
  constructor(readonly spec: DoubleSpec) {}

  /** After `failsFirst(n, error)`: what the attempts after the first n return. */
  thenReturns(value: unknown): ActivityDouble {
    return new ActivityDouble({ ...this.spec, then: { kind: 'returns', value } });
  }

  /** After `failsFirst(n, error)`: the attempts after the first n run `fn` with the activity's arguments. */
  thenCalls<A extends unknown[]>(fn: (...args: A) => unknown): ActivityDouble {
    return new ActivityDouble({ ...this.spec, then: { kind: 'calls', fn: fn as (...args: never[]) => unknown } });
  }

  /** Each attempt runs this long on the workflow clock ('2h', '90s', '1d12h'), at no cost in wall time. */
  takes(duration: string): ActivityDouble {
    return new ActivityDouble({ ...this.spec, takesMs: durationOf(duration, 'takes') });
  }

  /** The run fails unless the activity was called (attempts included) exactly `times` times. */
  expectCalls(times: number): ActivityDouble {
    if (!Number.isSafeInteger(times) || times < 0)
      throw new WorkflowTestInputError(`expectCalls(${times}): give a whole number of calls, 0 or more`);
    return new ActivityDouble({ ...this.spec, expectedCalls: times });
  }

  /** The run fails unless every call had exactly these arguments (compared deeply, as the worker received them). */
  expectArgs(...args: unknown[]): ActivityDouble {
    return new ActivityDouble({ ...this.spec, expectedArgs: args });
  }
}

function failureOf(error: Error | string, options: FailureOptions): Error {
  if (typeof error !== 'string' && options.type === undefined && options.nonRetryable === undefined) return error;
  const message = typeof error === 'string' ? error : error.message;
  const type = options.type ?? (typeof error === 'string' ? 'Error' : error.name);
  return ApplicationFailure.create({ message, type, nonRetryable: options.nonRetryable ?? false });
}

/** The doubles' builders: `activity.returns(x)`, `activity.fails(e)`, `activity.failsFirst(2, e).thenReturns(x)`, `activity.calls(fn)`. */
export const activity = {
  /** Every attempt returns `value`. */
  returns: (value: unknown): ActivityDouble => new ActivityDouble({ failFirst: 0, then: { kind: 'returns', value }, takesMs: 0 }),
  /** Every attempt fails with `error` (a message becomes an ApplicationFailure; options set its type and retryability). */
  fails: (error: Error | string, options: FailureOptions = {}): ActivityDouble =>
    new ActivityDouble({ failFirst: 0, then: { kind: 'fails', error: failureOf(error, options) }, takesMs: 0 }),
  /** The first `attempts` attempts fail with `error`; the later ones return undefined unless `.thenReturns(...)` says otherwise. */
  failsFirst: (attempts: number, error: Error | string, options: FailureOptions = {}): ActivityDouble => {
    if (!Number.isSafeInteger(attempts) || attempts < 1)
      throw new WorkflowTestInputError(`failsFirst(${attempts}, ...): give the number of attempts that fail, 1 or more`);
    return new ActivityDouble({
      failFirst: attempts,
      failure: failureOf(error, options),
      then: { kind: 'returns', value: undefined },
      takesMs: 0,
    });
  },
  /** Every attempt runs `fn` with the activity's arguments. */
  calls: <A extends unknown[]>(fn: (...args: A) => unknown): ActivityDouble =>
    new ActivityDouble({ failFirst: 0, then: { kind: 'calls', fn: fn as (...args: never[]) => unknown }, takesMs: 0 }),
};

/**
 * How long before its timeout an attempt that outlives it wakes on a clock that runs in real time while held: more
 * than the calls between reading the clock and starting the sleep take. A frozen clock needs none.
 */
const OUTLIVED_WAKE_MARGIN_MS = 200;

/**
 * When the server times this attempt out, in epoch ms: its start-to-close or schedule-to-close timeout or, as a
 * double never heartbeats, its heartbeat timeout.
 */
function attemptDeadline(info: Info, startedAt: number): number {
  const deadlines = [info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs, startedAt + info.startToCloseTimeoutMs];
  if (info.heartbeatTimeoutMs) deadlines.push(startedAt + info.heartbeatTimeoutMs);
  return Math.min(...deadlines.filter((deadline) => Number.isFinite(deadline) && deadline > 0));
}

/** One call of a double: an attempt of the activity as the worker ran it. */
export interface ActivityCall {
  args: unknown[];
  attempt: number;
  /** When it started, in milliseconds on the workflow clock after the workflow started. */
  at: number;
  /** When it answered (or, for one that outlived its timeout, was timed out), likewise; absent while it runs. */
  endedAt?: number;
  activityId: string;
}

/** What a double needs from the run it is part of. */
export interface DoubleHooks {
  /** The workflow clock, in epoch milliseconds. */
  now(): Promise<number>;
  /** When the server started the running attempt of activity `activityId`, in epoch milliseconds. */
  attemptStartedAt(activityId: string): Promise<number>;
  /** Milliseconds on the workflow clock since the workflow started. */
  elapsed(): Promise<number>;
  /** Let the workflow clock move on by `ms` while this attempt runs. */
  sleep(ms: number): Promise<void>;
  /** The clock stands still unless moved (a frozen test server): sleeps land exactly, so no margin is needed. */
  frozen(): boolean;
  /** Called as each attempt starts, before it does anything: the run's actions on activity starts happen here. */
  started(activity: string, call: ActivityCall): Promise<void>;
}

/** An attempt waiting out its `takes(...)` on the workflow clock: when it wakes (ms after the start), and a promise of that. */
export interface SleepingAttempt {
  wakeAt: number;
  woke: Promise<void>;
}

/** A double in one run: its calls, and which activities (by activity id) it is running now, or sleeping on the workflow clock. */
export class DoubleInRun {
  readonly calls: ActivityCall[] = [];
  /** The attempt running now, by activity id (attempts of one activity share its id). */
  readonly running = new Map<string, ActivityCall>();
  readonly sleeping = new Map<string, SleepingAttempt>();

  constructor(
    readonly name: string,
    private readonly spec: DoubleSpec,
  ) {}

  /** The activity function the worker runs. */
  implementation(hooks: DoubleHooks): (...args: unknown[]) => Promise<unknown> {
    return async (...args: unknown[]) => {
      const context = Context.current();
      const call: ActivityCall = { args, attempt: context.info.attempt, at: await hooks.elapsed(), activityId: context.info.activityId };
      this.calls.push(call);
      this.running.set(call.activityId, call);
      const done = () => {
        if (this.running.get(call.activityId) === call) this.running.delete(call.activityId);
      };
      try {
        await hooks.started(this.name, call);
        if (this.spec.takesMs > 0) {
          const remaining = attemptDeadline(context.info, await hooks.attemptStartedAt(call.activityId)) - (await hooks.now());
          // An attempt that outlives its timeout wakes at it (on a clock that creeps, shortly before it) and never
          // answers: the server times it out. A sleep still running after it, or an answer the server could take for
          // the next attempt's, would leave the server's clock held for good.
          const margin = hooks.frozen() ? 0 : OUTLIVED_WAKE_MARGIN_MS;
          const outlives = this.spec.takesMs >= remaining - margin;
          const sleepMs = outlives ? Math.max(0, remaining - margin) : this.spec.takesMs;
          const wakeAt = (await hooks.elapsed()) + sleepMs;
          const woke = hooks.sleep(sleepMs).finally(() => this.sleeping.delete(call.activityId));
          this.sleeping.set(call.activityId, { wakeAt, woke });
          // A worker shutting down stops waiting (the run lets sleeping attempts wake before it shuts its worker down).
          await Promise.race([woke, context.cancelled]);
          if (outlives) {
            call.endedAt = wakeAt + margin;
            done();
            await context.cancelled;
          }
        }
        if (call.attempt <= this.spec.failFirst) throw this.spec.failure;
        const then = this.spec.then;
        if (then.kind === 'fails') throw then.error;
        return then.kind === 'returns' ? then.value : await (then.fn as (...args: unknown[]) => unknown)(...args);
      } finally {
        call.endedAt ??= await hooks.elapsed();
        done();
      }
    };
  }

  /** The expectations this run did not meet, one sentence each. */
  unmetExpectations(): string[] {
    const problems: string[] = [];
    const { expectedCalls, expectedArgs } = this.spec;
    if (expectedCalls !== undefined && this.calls.length !== expectedCalls) {
      problems.push(
        `activity ${this.name}: expected ${expectedCalls} call${expectedCalls === 1 ? '' : 's'}, got ${this.calls.length}${this.describeCalls()}`,
      );
    }
    if (expectedArgs !== undefined) {
      const other = this.calls.find((call) => !isDeepStrictEqual(call.args, expectedArgs));
      if (other)
        problems.push(
          `activity ${this.name}: expected every call with arguments ${JSON.stringify(expectedArgs)}, attempt ${other.attempt} at ${formatOffset(other.at)} had ${JSON.stringify(other.args)}`,
        );
    }
    return problems;
  }

  private describeCalls(): string {
    return this.calls.length === 0
      ? ''
      : ` (${this.calls.map((call) => `attempt ${call.attempt} at ${formatOffset(call.at)}`).join(', ')})`;
  }
}
