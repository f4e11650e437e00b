/**
 * The nemesis: applies each planned fault through its kind (faults/) and heals it, recording both in the operation
 * history. A fault placed at a time is applied and healed on timers; one placed at a point is applied when the point
 * nemesis (point-nemesis.ts) says its point was reached, and healed after its time or at its `until` point.
 */
import type { Cluster, WorkerCode } from './cluster/types.ts';
import type { OperationHistory } from './history.ts';
import type { PlannedFault } from './plan.ts';
import type { Capability, FaultContext, FaultKinds, FiredPoint } from './faults/kind.ts';
import { CAPABILITY_MEANS } from './faults/kind.ts';
import { isPoint, pointNeeds } from './points.ts';
import { HarnessError } from '../../base/errors.ts';

export class Nemesis {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<void>>();
  /** What each applied fault's kind returned, for its heal. */
  private readonly applied = new Map<string, unknown>();
  private firstError: Error | undefined;

  /**
   * @param code the code the workers start with; a deploy replaces the parts it names, and `code` then says
   *   what the workers run (the code the run's histories must replay against).
   * @param projectRoot where a deploy's module paths start.
   */
  constructor(
    private readonly cluster: Cluster,
    private readonly kinds: FaultKinds,
    private readonly history: OperationHistory,
    private readonly log: (line: string) => void,
    public code: WorkerCode,
    private readonly projectRoot: string,
  ) {}

  /** Check that the cluster offers what every fault needs before anything starts (its kind's needs, its points'). */
  static validate(cluster: Cluster, kinds: FaultKinds, faults: readonly PlannedFault[]): void {
    for (const fault of faults) {
      const needs: Capability[] = [
        ...kinds.of(fault.action).needs(fault.action),
        ...(fault.at && isPoint(fault.at) ? pointNeeds(fault.at) : []),
        ...(fault.until ? pointNeeds(fault.until) : []),
      ];
      const missing = needs.find((capability) => !cluster.capabilities.includes(capability));
      if (missing)
        throw new HarnessError(
          `fault ${fault.id} (${fault.what}) needs ${CAPABILITY_MEANS[missing]}, which this ${cluster.provider} cluster does not offer`,
        );
    }
  }

  /** Schedule every fault placed at a time, relative to now. */
  start(faults: readonly PlannedFault[]): void {
    for (const fault of faults) {
      if (fault.atMs === undefined) continue;
      this.timers.push(setTimeout(() => void this.applyNow(fault), fault.atMs));
      if (fault.healAtMs !== undefined) this.timers.push(setTimeout(() => void this.healNow(fault), fault.healAtMs));
    }
  }

  /** Apply a fault now (its time came, or its point was reached: `point` says where). */
  applyNow(fault: PlannedFault, point?: FiredPoint): Promise<void> {
    return this.track(fault, 'fault', async () => {
      const kind = this.kinds.of(fault.action);
      this.applied.set(fault.id, await kind.apply(fault.action, this.context(point)));
    });
  }

  /** Heal a fault now (its time came, or its `until` point was reached). */
  healNow(fault: PlannedFault, point?: FiredPoint): Promise<void> {
    const kind = this.kinds.of(fault.action);
    if (!kind.heal) return Promise.resolve();
    return this.track(fault, 'heal', () => kind.heal!(fault.action, this.applied.get(fault.id), this.context(point)));
  }

  /** Wait for every started fault and heal to finish; rethrow the first that failed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.firstError) throw this.firstError;
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  private context(point: FiredPoint | undefined): FaultContext {
    return {
      cluster: this.cluster,
      projectRoot: this.projectRoot,
      code: this.code,
      deployed: (code) => void (this.code = code),
      ...(point ? { point } : {}),
    };
  }

  private track(fault: PlannedFault, f: 'fault' | 'heal', run: () => Promise<void>): Promise<void> {
    const what = `${f === 'fault' ? 'fault' : 'heal '} ${fault.id}: ${fault.what}`;
    this.history.record({ process: 'nemesis', type: 'invoke', f, op: fault.id, value: fault.action });
    this.log(`t+${(this.history.now() / 1000).toFixed(1)}s ${what}`);
    const done = run().then(
      () => void this.history.record({ process: 'nemesis', type: 'ok', f, op: fault.id }),
      (error: unknown) => {
        const message = (error as Error).message;
        this.history.record({ process: 'nemesis', type: 'fail', f, op: fault.id, value: message });
        this.firstError ??= new Error(`${what} failed: ${message}`);
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return done;
  }
}
