/**
 * The nemesis of the faults placed at points of the system's progress. It holds the points its faults name (through
 * the cluster's progress channel: the workers' activity probes, the links' request gates) and the operations the
 * workload driver starts and closes, counts the points that match each fault, and at the nth one applies the fault
 * (the nemesis's apply) before it lets the point go on, or drops what the point holds: the fault lands exactly there,
 * whatever the machine's speed. A fault heals a time after it was applied, or at its `until` point. A fault whose point
 * the run never reached is said so (never a silent pass).
 */
import type { HoldDecider, PointPattern, ProgressChannel, ReachedPoint, Release } from './cluster/progress.ts';
import type { FiredPoint } from './faults/kind.ts';
import type { HistoryEntry, OperationHistory } from './history.ts';
import type { Nemesis } from './nemesis.ts';
import type { Plan, PlannedFault } from './plan.ts';
import type { Client } from '@temporalio/client';
import { watchHistories, type WatchedEvent } from './history-watcher.ts';
import {
  describePoint,
  type HistoryPoint,
  isHistoryPoint,
  isOperationPoint,
  opOfReached,
  type PointScope,
  pointMatches,
  type ProgressPoint,
} from './points.ts';
import { sleep } from './workload.ts';

/** What became of a fault placed at a point. */
export interface PointOutcome {
  id: string;
  what: string;
  /** Whether its point was reached (and the fault applied there). */
  reached: boolean;
  /** How many points matched its point, up to the run's end (it fired at its nth). */
  matched: number;
  /** Where it fired: the point reached. */
  at?: ReachedPoint;
  /** The operation that point belongs to, when the plan knows it. */
  op?: string;
  /** Whether its `until` point was reached (it healed there). */
  healedAtPoint?: boolean;
}

/** A fault placed at a point, or healed at one, as the point nemesis tracks it. */
interface Armed {
  fault: PlannedFault;
  matched: number;
  /** Set once it fired (a fault placed at a time: from the start; its heal then waits until it was applied). */
  fired?: { at?: ReachedPoint; op?: string };
  /** Whether its `until` point was reached (undefined: it has none, or has not fired). */
  untilReached?: boolean;
}

/** A line for a point outcome: "f0 fired at deposit returned (attempt 1) of t2 in worker-2" or "f0 NEVER REACHED its point (3 matched)". */
export function describeOutcome(outcome: PointOutcome): string {
  if (!outcome.reached) return `${outcome.id} never reached its point (${outcome.matched} matching point(s) passed): ${outcome.what}`;
  const at = outcome.at!;
  const op = outcome.op ? ` of ${outcome.op}` : '';
  const where =
    at.source === 'activity'
      ? `${at.activityType} ${at.at} (attempt ${at.attempt})${op} in ${at.worker}`
      : `${at.kind} ${at.at} on ${at.link} (connection ${at.connection})${op}`;
  return `${outcome.id} fired at ${where}: ${outcome.what}`;
}

/** What the point nemesis watches and acts through. */
export interface PointNemesisOptions {
  /** The workers' activity probes and request gates report the points they pass here. */
  progress: ProgressChannel | undefined;
  history: OperationHistory;
  /** Applies and heals the faults once their points are reached. */
  nemesis: Nemesis;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Reads the workflows' histories, for faults placed at (or healed at) a history point. */
  client?: Client;
}

export class PointNemesis {
  private readonly armed: Armed[];
  private readonly scope: PointScope;
  private stopWatchingHistory: (() => void) | undefined;
  private readonly firing = new Set<Promise<unknown>>();
  /** Each operation's kind: the history entries of the operation itself (not its steps) are its points. */
  private readonly kindOf: Map<string, string>;

  private readonly plan: Plan;
  /** Stops the history watch. */
  private readonly watching = new AbortController();

  private readonly progress: ProgressChannel | undefined;
  private readonly history: OperationHistory;
  private readonly nemesis: Nemesis;
  private readonly log: (line: string) => void;
  private readonly signal: AbortSignal | undefined;
  private readonly client: Client | undefined;

  constructor(plan: Plan, options: PointNemesisOptions) {
    this.plan = plan;
    ({
      progress: this.progress,
      history: this.history,
      nemesis: this.nemesis,
      log: this.log,
      signal: this.signal,
      client: this.client,
    } = options);
    const opOf = new Map(plan.operations.map((op) => [op.workflowId, op.id]));
    const workflowOf = new Map(plan.operations.map((op) => [op.id, op.workflowId]));
    this.scope = { runId: plan.runId, opOf: (id) => opOf.get(id), workflowOf: (op) => workflowOf.get(op) };
    this.armed = plan.faults.filter((f) => f.at !== undefined || f.until !== undefined).map((fault) => ({ fault, matched: 0 }));
    this.kindOf = new Map(plan.operations.map((op) => [op.id, op.kind]));
  }

  /** Whether the run has faults placed at or healed at points. */
  get active(): boolean {
    return this.armed.length > 0;
  }

  /** Hold the points the faults name; from here on, each fault fires at its point. */
  start(): void {
    if (!this.active) return;
    this.progress?.hold(this.patterns(), this.decider());
    this.stopWatchingHistory = this.history.watch((entry) => this.onOperation(entry));
    // A fault placed at a time and healed at a point waits for that point from the start (and heals once applied).
    for (const armed of this.armed) {
      if (armed.fault.at !== undefined) continue;
      armed.fired = {};
      armed.untilReached = false;
    }
    const watched = this.armed.flatMap((a) => [a.fault.at, a.fault.until]).filter((p): p is HistoryPoint => !!p && isHistoryPoint(p));
    if (watched.length > 0 && this.client) {
      const types = new Set(watched.map((p) => p.workflow));
      const workflowIds = this.plan.operations.filter((op) => types.has(op.workflowType)).map((op) => op.workflowId);
      void watchHistories(this.client, workflowIds, (event) => this.onHistoryEvent(event), this.watching.signal);
    }
  }

  /** Stop holding points: the workload is over. Points in hold now still get their decisions. */
  stop(): void {
    this.progress?.unhold();
    this.stopWatchingHistory?.();
    this.watching.abort();
  }

  /** Resolves when every fault that fired has been applied and healed (each at its time or its point). */
  async settled(): Promise<void> {
    while (this.firing.size > 0) await Promise.allSettled([...this.firing]);
  }

  /** Faults that fired and wait for their `until` point still: the run's end heals them (healAll). */
  unhealed(): PlannedFault[] {
    return this.armed.filter((a) => a.fired && a.fault.until && !a.untilReached).map((a) => a.fault);
  }

  outcomes(): PointOutcome[] {
    return this.armed
      .filter((a) => a.fault.at !== undefined)
      .map((a) => ({
        id: a.fault.id,
        what: a.fault.what,
        reached: a.fired !== undefined,
        matched: a.matched,
        ...(a.fired?.at ? { at: a.fired.at } : {}),
        ...(a.fired?.op ? { op: a.fired.op } : {}),
        ...(a.fault.until ? { healedAtPoint: a.untilReached === true } : {}),
      }));
  }

  private patterns(): PointPattern[] {
    const points = this.armed.flatMap((a) => [a.fault.at, a.fault.until]).filter((p): p is ProgressPoint => p !== undefined);
    return points.flatMap((point): PointPattern[] => {
      if ('activity' in point) return [{ source: 'activity', at: point.on, activityTypes: ([] as string[]).concat(point.activity) }];
      if ('request' in point)
        return [{ source: 'request', link: point.request, at: point.on, ...(point.kind ? { kinds: [point.kind] } : {}) }];
      return [];
    });
  }

  private decider(): HoldDecider {
    return async (reached, request) => {
      // Matched and counted at once, in the order the points came; the faults are applied and healed after.
      const heals = this.armed.filter((armed) => {
        const until = armed.fault.until;
        if (!until || !armed.fired || armed.untilReached !== false) return false;
        if (!pointMatches(until, reached, this.scope, request?.text, armed.fired.op)) return false;
        armed.untilReached = true;
        return true;
      });
      const fires = this.armed.filter((armed) => {
        const point = armed.fault.at;
        if (!point || armed.fired || !pointMatches(point, reached, this.scope, request?.text)) return false;
        armed.matched += 1;
        if (armed.matched !== (('nth' in point ? point.nth : undefined) ?? 1)) return false;
        const op = opOfReached(reached, this.scope);
        armed.fired = { at: reached, ...(op ? { op } : {}) };
        if (armed.fault.until) armed.untilReached = false;
        return true;
      });
      for (const armed of heals) await this.heal(armed);
      let release: Release = 'continue';
      for (const armed of fires) if ((await this.fire(armed, reached)) === 'drop') release = 'drop';
      return release;
    };
  }

  /** An operation the workload started or closed: the operation points (applied just after, not held). */
  private onOperation(entry: HistoryEntry): void {
    if (!entry.process.startsWith('client-') || entry.op === undefined || entry.f !== this.kindOf.get(entry.op)) return;
    const on = entry.type === 'invoke' ? 'started' : 'closed';
    for (const armed of this.armed) {
      const at = armed.fault.at;
      if (!at || armed.fired || !isOperationPoint(at) || at.on !== on || at.op !== entry.op) continue;
      armed.matched += 1;
      armed.fired = { op: entry.op };
      if (armed.fault.until) armed.untilReached = false;
      void this.fire(armed, undefined);
    }
    for (const armed of this.armed) {
      const until = armed.fault.until;
      if (!until || !armed.fired || armed.untilReached !== false || !isOperationPoint(until)) continue;
      if (until.on !== on || (until.op === '$point' ? armed.fired.op : until.op) !== entry.op) continue;
      armed.untilReached = true;
      void this.heal(armed);
    }
  }

  /** An event written to a workflow's history: the history points (reached just after, not held). */
  private onHistoryEvent(event: WatchedEvent): void {
    const operation = this.plan.operations.find((op) => op.workflowId === event.workflowId);
    if (!operation) return;
    const matches = (point: HistoryPoint, firedOp?: string): boolean =>
      point.workflow === operation.workflowType &&
      point.event === event.event &&
      (point.op === undefined || (point.op === '$point' ? firedOp : point.op) === operation.id);
    for (const armed of this.armed) {
      const until = armed.fault.until;
      if (!until || !armed.fired || armed.untilReached !== false || !isHistoryPoint(until) || !matches(until, armed.fired.op)) continue;
      armed.untilReached = true;
      void this.heal(armed);
    }
    for (const armed of this.armed) {
      const at = armed.fault.at;
      if (!at || armed.fired || !isHistoryPoint(at) || !matches(at)) continue;
      armed.matched += 1;
      if (armed.matched !== (at.nth ?? 1)) continue;
      armed.fired = { op: operation.id };
      if (armed.fault.until) armed.untilReached = false;
      void this.fire(armed, undefined);
    }
  }

  /** Heal a fault at its `until` point: once it has been applied (a timed one may not have been yet). */
  private heal(armed: Armed): Promise<void> {
    const applied = this.history.entries().some((e) => e.process === 'nemesis' && e.f === 'fault' && e.op === armed.fault.id);
    return applied ? this.track(this.nemesis.healNow(armed.fault)) : Promise.resolve();
  }

  private async fire(armed: Armed, reached: ReachedPoint | undefined): Promise<Release> {
    const { fault } = armed;
    this.log(`point of ${fault.id} reached: ${describePoint(fault.at!)}`);
    let dropped = false;
    const point: FiredPoint | undefined = reached ? { reached, drop: () => void (dropped = true) } : undefined;
    await this.track(this.nemesis.applyNow(fault, point));
    if (fault.forMs !== undefined) void this.track(sleep(fault.forMs, this.signal).then(() => this.nemesis.healNow(fault, point)));
    return dropped ? 'drop' : 'continue';
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.firing.add(promise);
    void promise.finally(() => this.firing.delete(promise));
    return promise;
  }
}
