/**
 * Faults on processes: kill -9 (healed by starting it again), pause (SIGSTOP, healed by SIGCONT), and a graceful
 * restart (SIGTERM, wait, start again: an operator's rolling restart; nothing to heal). A process is Temporal's
 * ('temporal', or the services cluster's), a part, 'worker-<n>', or 'worker': one the seed picks, or, at an activity
 * point, the worker the point is in.
 */
import fc from 'fast-check';
import { check } from '../../../base/definition.ts';
import type { ClusterProcess } from '../cluster/types.ts';
import { SERVICES_PROCESSES } from '../cluster/services-names.ts';
import { type Capability, checkName, defineFaultKind, type FaultContext, type FaultKind, type FaultTargets } from './kind.ts';

/** A process of the cluster: 'temporal', a part of the system, 'worker' (one the seed picks) or 'worker-<n>'. */
export type ProcessTarget = string;

export interface ProcessAction<Kind extends 'kill' | 'pause' | 'restart' = 'kill' | 'pause' | 'restart'> {
  kind: Kind;
  process: ProcessTarget;
}

function bindProcess(action: ProcessAction, field: string, targets: FaultTargets): void {
  const workers = Array.from({ length: targets.workers }, (_, i) => `worker-${i + 1}`);
  const processes = [...targets.temporal, ...targets.parts, 'worker', ...workers];
  const worker = /^worker-(\d+)$/.exec(action.process);
  const message = worker
    ? `the scenario runs ${targets.workers} worker(s): worker-1 to worker-${targets.workers}, or 'worker' for one picked by the seed; got ${JSON.stringify(action.process)}`
    : `expected one of ${processes.join(', ')}, got ${JSON.stringify(action.process)}`;
  check(processes.includes(action.process), `${field}.process`, message);
}

function processNeeds(action: ProcessAction): Capability[] {
  if (action.process === 'temporal') return ['temporal-process'];
  if ((SERVICES_PROCESSES as readonly string[]).includes(action.process)) return ['temporal-services'];
  return ['processes'];
}

/** The process an action names; 'worker' at an activity point is the worker the point is in. */
function processOf(action: ProcessAction, { cluster, point }: FaultContext): ClusterProcess {
  const name = action.process === 'worker' && point?.reached.source === 'activity' ? point.reached.worker : action.process;
  const process = cluster.processes.get(name);
  if (!process)
    throw new Error(`the ${cluster.provider} cluster has no process ${name} (it has ${[...cluster.processes.keys()].join(', ')})`);
  return process;
}

function processKind<Kind extends 'kill' | 'pause' | 'restart'>(
  kind: Kind,
  spec: Pick<FaultKind<ProcessAction<Kind>, void>, 'summary' | 'describe' | 'apply' | 'heal' | 'arbitrary'>,
): FaultKind<ProcessAction<Kind>, void> {
  return defineFaultKind<ProcessAction<Kind>, void>({
    kind,
    validate: (action, field) => checkName(action, 'process', field),
    bind: bindProcess,
    needs: processNeeds,
    resolve: (action, { random, workers }) =>
      action.process === 'worker' ? { ...action, process: `worker-${random.int(1, workers)}` } : action,
    ...spec,
  });
}

const processArbitrary = (targets: FaultTargets, temporal: boolean): fc.Arbitrary<string> =>
  fc.constantFrom('worker', ...targets.parts, ...(temporal ? targets.temporal : []));

export const killKind = processKind('kill', {
  summary: 'kill -9 of a process, started again (same state, same port) when it heals',
  describe: (action) => `kill -9 ${action.process}`,
  apply: async (action, context) => processOf(action, context).kill(),
  heal: async (action, _applied, context) => processOf(action, context).restart(),
  arbitrary: (targets) => fc.record({ kind: fc.constant('kill' as const), process: processArbitrary(targets, true) }),
});

export const pauseKind = processKind('pause', {
  summary: 'a process paused (SIGSTOP, docker pause), resumed when it heals',
  describe: (action) => `pause ${action.process}`,
  apply: async (action, context) => processOf(action, context).pause(),
  heal: async (action, _applied, context) => processOf(action, context).resume(),
  arbitrary: (targets) => fc.record({ kind: fc.constant('pause' as const), process: processArbitrary(targets, false) }),
});

export const restartKind = processKind('restart', {
  summary:
    "a graceful restart of a process (SIGTERM, wait for it to exit, start it again), as an operator's rolling restart; nothing to heal",
  describe: (action) => `restart ${action.process}`,
  apply: async (action, context) => processOf(action, context).restart(),
});
