/**
 * Benchmark workloads, as a team defines its own: which workflow, with which inputs, after which preparation of the
 * system's parts. The harness driver and the bare-SDK baseline run exactly the same calls, so the overhead
 * comparison is apples to apples. `defineWorkload` validates eagerly; the config's `benchmarks` module exports them.
 */
import type { Project } from '../../base/config/config.ts';
import { check, DefinitionError, isRecord } from '../../base/definition.ts';
import type { PartAddress } from '../../base/system-spec.ts';
import { exported, importUserModule, shownPath, UserModuleError } from '../../base/modules/user-module.ts';
import { UsageError } from '../../base/errors.ts';

export const SUITE_NAMES = ['throughput', 'baseline', 'retry-latency', 'time-skipping'] as const;
export type WorkloadSuite = (typeof SUITE_NAMES)[number];

/** One workflow to start: its id and arguments (the suite picks the task queue). */
export interface WorkflowCall {
  workflowId: string;
  args: unknown[];
}

/** The `index`-th call of a sample; `run` makes ids unique across samples and drivers. */
export type CallFactory = (run: string, index: number) => WorkflowCall;

export interface BenchWorkloadSpec {
  /** kebab-case or camelCase; benchmark ids are `<suite>/<name>/c<concurrency>/<metric>`. */
  name: string;
  workflowType: string;
  /**
   * Seed the parts (enough money, stock, credit that no bounded run runs out) under `prefix`, which is unique to
   * this run and suite, and return how to make each call.
   */
  prepare(context: { parts: Record<string, PartAddress>; prefix: string }): CallFactory | Promise<CallFactory>;
  /** Check a result; throw when it is not what the workload expects (a benchmark of a broken run is no benchmark). */
  expect?(result: unknown): void;
  /** The suites it runs in (default: throughput, baseline and time-skipping; retry-latency needs `retry`). */
  suites?: WorkloadSuite[];
  /** For retry-latency: the activity that fails (retryably) a few times before it runs, timed against its retry policy. */
  retry?: { activity: string };
}

export type Workload = BenchWorkloadSpec & { suites: WorkloadSuite[] };

const DEFAULT_SUITES: WorkloadSuite[] = ['throughput', 'baseline', 'time-skipping'];

/** Check a workload and fill in its defaults. Throws DefinitionError naming the field. */
export function defineWorkload(spec: BenchWorkloadSpec): Workload {
  check(isRecord(spec), 'workload', 'expected { name, workflowType, prepare }');
  check(
    typeof spec.name === 'string' && /^[A-Za-z][A-Za-z0-9-]*$/.test(spec.name),
    'name',
    `expected a name of letters, digits and dashes, got ${JSON.stringify(spec.name)}`,
  );
  check(typeof spec.workflowType === 'string' && spec.workflowType !== '', 'workflowType', 'expected the workflow type to start');
  check(typeof spec.prepare === 'function', 'prepare', 'expected a function ({ parts, prefix }) => (run, index) => ({ workflowId, args })');
  check(spec.expect === undefined || typeof spec.expect === 'function', 'expect', 'expected a function (result) => void');
  const suites = spec.suites ?? (spec.retry ? [...DEFAULT_SUITES, 'retry-latency' as const] : DEFAULT_SUITES);
  check(Array.isArray(suites) && suites.length > 0, 'suites', `expected a non-empty list of ${SUITE_NAMES.join(', ')}`);
  suites.forEach((suite, i) =>
    check(SUITE_NAMES.includes(suite), `suites[${i}]`, `expected one of ${SUITE_NAMES.join(', ')}, got ${JSON.stringify(suite)}`),
  );
  if (spec.retry !== undefined)
    check(isRecord(spec.retry) && typeof spec.retry.activity === 'string', 'retry', "expected { activity: 'name' }");
  check(!suites.includes('retry-latency') || spec.retry !== undefined, 'retry', 'the retry-latency suite needs { activity } to fail');
  return { ...spec, suites };
}

/** The project's benchmark workloads: its `benchmarks` module's default export (a list) or `workloads`. */
export async function loadWorkloads(project: Project): Promise<Workload[]> {
  if (!project.benchmarks) return [];
  const file = shownPath(project.benchmarks);
  let list: unknown;
  try {
    list = exported(
      await importUserModule(project.benchmarks, { label: 'benchmarks', shown: file }),
      file,
      ['default', 'workloads'],
      'a list of defineWorkload(...)',
    );
  } catch (error) {
    if (error instanceof UserModuleError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`${file}: must export a non-empty list of defineWorkload(...)`);
  const names = new Set<string>();
  return list.map((spec, i) => {
    try {
      const workload = defineWorkload(spec as BenchWorkloadSpec);
      check(!names.has(workload.name), 'name', `${workload.name} is given twice`);
      names.add(workload.name);
      return workload;
    } catch (error) {
      if (error instanceof DefinitionError) throw new UsageError(`${file}: workloads[${i}].${error.message}`, { cause: error });
      throw error;
    }
  });
}
