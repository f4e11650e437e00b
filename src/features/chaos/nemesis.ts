/**
 * The nemesis: applies each planned fault to the cluster at its planned time and heals it at its heal time,
 * recording both in the operation history. Toxics always run at toxicity 1: when they hit is decided by the plan.
 */
import path from 'node:path';
import type { Cluster, ToxicType, WorkerCode } from './cluster/types.ts';
import type { OperationHistory } from './history.ts';
import type { PlannedFault } from './plan.ts';
import type { FaultAction } from './scenario.ts';
import type { TemporalService } from '../../base/harness/temporal-services.ts';

/** Attributes a toxic gets when the scenario gives none (Toxiproxy's units: ms, KB/s, bytes, µs for slicer delay). */
export const TOXIC_DEFAULTS: Record<ToxicType, Record<string, number>> = {
  latency: { latency: 1000, jitter: 0 },
  bandwidth: { rate: 1 },
  slow_close: { delay: 1000 },
  timeout: { timeout: 0 },
  reset_peer: { timeout: 0 },
  slicer: { average_size: 64, size_variation: 32, delay: 100 },
  limit_data: { bytes: 1024 },
};

export function describeAction(action: FaultAction): string {
  switch (action.kind) {
    case 'toxic':
      return `${action.toxic} ${action.stream ?? 'downstream'} on ${action.link}${action.attributes ? ` ${JSON.stringify(action.attributes)}` : ''}`;
    case 'link-down':
      return `${action.link} down`;
    case 'kill':
      return `kill -9 ${action.process}`;
    case 'pause':
      return `pause ${action.process}`;
    case 'restart':
      return `restart ${action.process}`;
    case 'deploy':
      return `deploy workers with ${[action.workflows, action.activities].filter(Boolean).join(' and ')}`;
    case 'persistence':
      return `persistence faults ${JSON.stringify(action.errors)} in ${persistenceTargets(action).join(', ')}`;
  }
}

/** The services a persistence fault restarts with its errors: history unless it says. */
const persistenceTargets = (action: Extract<FaultAction, { kind: 'persistence' }>): TemporalService[] => action.services ?? ['history'];

export class Nemesis {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly toxics = new Map<string, string>();
  private firstError: Error | undefined;

  /**
   * @param code the code the workers start with; a deploy replaces the parts it names, and `code` then says
   *   what the workers run (the code the run's histories must replay against).
   * @param projectRoot where a deploy's module paths start.
   */
  constructor(
    private readonly cluster: Cluster,
    private readonly history: OperationHistory,
    private readonly log: (line: string) => void,
    public code: WorkerCode,
    private readonly projectRoot: string,
  ) {}

  /** Check that every fault's target exists in this cluster before anything starts. */
  static validate(cluster: Cluster, faults: readonly PlannedFault[]): void {
    for (const fault of faults) {
      const { action } = fault;
      if ((action.kind === 'kill' || action.kind === 'pause' || action.kind === 'restart') && !cluster.processes.has(action.process)) {
        throw new Error(
          `fault ${fault.id} (${describeAction(action)}): the ${cluster.provider} cluster has no process ${action.process} (it has ${[...cluster.processes.keys()].join(', ')})`,
        );
      }
      if (action.kind === 'persistence' && !cluster.injectPersistenceFaults) {
        throw new Error(
          `fault ${fault.id} (${describeAction(action)}): the ${cluster.provider} cluster cannot inject persistence faults (the services cluster can)`,
        );
      }
      if ((action.kind === 'toxic' || action.kind === 'link-down') && !cluster.links[action.link]) {
        throw new Error(
          `fault ${fault.id} (${describeAction(action)}): the cluster has no link ${action.link} (it has ${Object.keys(cluster.links).join(', ')})`,
        );
      }
    }
  }

  /** Schedule every fault relative to now. */
  start(faults: readonly PlannedFault[]): void {
    for (const fault of faults) {
      this.timers.push(setTimeout(() => this.track(fault, 'fault', () => this.apply(fault)), fault.atMs));
      if (fault.healAtMs !== undefined)
        this.timers.push(setTimeout(() => this.track(fault, 'heal', () => this.heal(fault)), fault.healAtMs));
    }
  }

  /** Wait for every started fault and heal to finish; rethrow the first that failed. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    if (this.firstError) throw this.firstError;
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }

  private track(fault: PlannedFault, f: 'fault' | 'heal', run: () => Promise<void>): void {
    const what = `${f === 'fault' ? 'fault' : 'heal '} ${fault.id}: ${describeAction(fault.action)}`;
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
  }

  private async apply(fault: PlannedFault): Promise<void> {
    const { action } = fault;
    switch (action.kind) {
      case 'toxic':
        this.toxics.set(
          fault.id,
          await this.cluster.link(action.link).addToxic({
            type: action.toxic,
            stream: action.stream ?? 'downstream',
            attributes: { ...TOXIC_DEFAULTS[action.toxic], ...action.attributes },
          }),
        );
        return;
      case 'link-down':
        return this.cluster.link(action.link).down();
      case 'kill':
        return this.process(action.process).kill();
      case 'pause':
        return this.process(action.process).pause();
      case 'restart':
        return this.process(action.process).restart();
      case 'deploy': {
        const next: WorkerCode = {
          workflowsPath: action.workflows ? path.resolve(this.projectRoot, action.workflows) : this.code.workflowsPath,
          activitiesPath: action.activities ? path.resolve(this.projectRoot, action.activities) : this.code.activitiesPath,
        };
        await this.cluster.deployWorkers(next);
        this.code = next;
        return;
      }
      case 'persistence':
        return this.cluster.injectPersistenceFaults!(action.errors, persistenceTargets(action));
    }
  }

  private async heal(fault: PlannedFault): Promise<void> {
    const { action } = fault;
    switch (action.kind) {
      case 'toxic': {
        const name = this.toxics.get(fault.id);
        if (name) await this.cluster.link(action.link).removeToxic(name);
        return;
      }
      case 'link-down':
        return this.cluster.link(action.link).up();
      case 'kill':
        return this.process(action.process).restart();
      case 'pause':
        return this.process(action.process).resume();
      case 'deploy':
      case 'restart':
        return;
      case 'persistence':
        return this.cluster.injectPersistenceFaults!(undefined, persistenceTargets(action));
    }
  }

  private process(name: string) {
    const process = this.cluster.processes.get(name);
    if (!process) throw new Error(`no process ${name}`);
    return process;
  }
}
