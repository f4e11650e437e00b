/**
 * Reading a benchmark report: every field validated, and the one that is wrong named in one line (the file, the
 * field, what it must be, what it is, and the benchmark it belongs to). Besides the types it refuses what no
 * measurement can be: no benchmarks at all, an id that is not `<suite>/<name>` or appears twice, a negative sample
 * (every benchmark measures a duration, a rate or a count), samples that are all zero (nothing was measured), pairs
 * of unequal length. A `tempest.bench/v1` report reads as a single run; fields a version does not know are ignored.
 */
import type {
  Benchmark,
  BenchReport,
  ClusterInfo,
  CountedBenchmark,
  Environment,
  HostEnvironment,
  OpenLoopLevel,
  OpenLoopSummary,
  Pairs,
  ProcessInfo,
  ReportSchema,
  RunInfo,
  SideInfo,
  WarmUp,
  Omission,
} from './report.ts';
import type { Histogram } from './counts.ts';
import type { Summary } from './stats.ts';
import { UsageError } from '../../base/errors.ts';

/** A report file that cannot be used; the message names the file and the field. */
export class ReportError extends UsageError {
  override name = 'ReportError';
}

const SCHEMAS: readonly ReportSchema[] = ['tempest.bench/v2', 'tempest.bench/v1'];

type Json = Record<string, unknown>;
type Settings = Record<string, string | number | boolean>;
type NumberKind = 'finite' | 'non-negative' | 'count';

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Control characters (a newline, say) in an id would break a one-line error and a Markdown table row. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** A value as the error shows it: JSON, cut short so that the error stays one readable line. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as null.
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** The field readers of one report: each names the file, the field and, inside a benchmark, its id. */
class Fields {
  /** ` (benchmark "<id>")` while a benchmark is read. */
  benchmark = '';

  constructor(readonly source: string) {}

  fail(field: string, expected: string, got: unknown): never {
    throw new ReportError(`${this.source}: ${field} must be ${expected}, got ${show(got)}${this.benchmark}`);
  }

  object(item: unknown, field: string): Json {
    return isObject(item) ? item : this.fail(field, 'an object', item);
  }

  boolean(item: unknown, field: string): boolean {
    return typeof item === 'boolean' ? item : this.fail(field, 'true or false', item);
  }

  string(object: Json, key: string, path: string): string {
    return typeof object[key] === 'string' ? (object[key] as string) : this.fail(`${path}.${key}`, 'a string', object[key]);
  }

  /** An id, suite, name, unit or suite list entry: shown in one-line errors and table rows. */
  label(item: unknown, field: string): string {
    return typeof item === 'string' && item.trim() !== '' && !CONTROL_CHARACTER.test(item)
      ? item
      : this.fail(field, 'a non-empty string without control characters', item);
  }

  oneOf<T extends string>(item: unknown, field: string, values: readonly T[]): T {
    return values.includes(item as T) ? (item as T) : this.fail(field, values.map((v) => `"${v}"`).join(' or '), item);
  }

  number(object: Json, key: string, path: string, kind: NumberKind): number {
    const item = object[key];
    const ok =
      typeof item === 'number' && Number.isFinite(item) && (kind === 'finite' || item >= 0) && (kind !== 'count' || Number.isInteger(item));
    const expected = { finite: 'a finite number', 'non-negative': 'a finite number >= 0', count: 'an integer >= 0' }[kind];
    return ok ? item : this.fail(`${path}.${key}`, expected, item);
  }

  numbers(list: unknown, path: string, { nonEmpty, nonNegative }: { nonEmpty: boolean; nonNegative: false | string }): number[] {
    if (!Array.isArray(list)) return this.fail(path, 'an array of numbers', list);
    if (nonEmpty && list.length === 0) return this.fail(path, 'a non-empty array of numbers', list);
    list.forEach((item, i) => {
      if (typeof item !== 'number' || !Number.isFinite(item)) this.fail(`${path}[${i}]`, 'a finite number', item);
      if (nonNegative !== false && item < 0) this.fail(`${path}[${i}]`, nonNegative, item);
    });
    return list as number[];
  }

  /** An object of setting names to strings, finite numbers or booleans (params, dynamic config). */
  settings(item: unknown, path: string): Settings {
    const object = this.object(item, path);
    for (const [key, setting] of Object.entries(object)) {
      const ok = typeof setting === 'string' || typeof setting === 'boolean' || (typeof setting === 'number' && Number.isFinite(setting));
      if (!ok) this.fail(`${path}.${key}`, 'a string, finite number or boolean', setting);
    }
    return object as Settings;
  }

  /** `{ [key]: read(value) }` when the object has the key, else `{}`: optional fields stay absent. */
  optional<K extends string, T>(object: Json, key: K, read: (value: unknown) => T): Partial<Record<K, T>> {
    return object[key] === undefined ? {} : ({ [key]: read(object[key]) } as Record<K, T>);
  }
}

/**
 * Validate a parsed report field by field; `source` (a file name) prefixes every message, and a message about a
 * benchmark ends with its id.
 */
export function parseReport(value: unknown, source: string): BenchReport {
  const f = new Fields(source);
  if (!isObject(value)) return f.fail('the report', 'a JSON object', value);
  const schema = parseSchema(f, value.schema);
  const environment = parseEnvironment(f, value.environment);
  const run = parseRun(f, value.run);
  const seen = new Set<string>();
  const benchmarks = parseBenchmarks(f, value.benchmarks, seen, run.mode === 'ab');
  const counted =
    schema === 'tempest.bench/v1' || value.counted === undefined ? undefined : parseCounted(f, value.counted, seen, run.mode === 'ab');
  const omitted = value.omitted === undefined ? undefined : parseOmitted(f, value.omitted, seen);
  return { schema, environment, run, benchmarks, ...(counted ? { counted } : {}), ...(omitted ? { omitted } : {}) };
}

function parseSchema(f: Fields, schema: unknown): ReportSchema {
  if (SCHEMAS.includes(schema as ReportSchema)) return schema as ReportSchema;
  if (typeof schema === 'string' && schema.startsWith('tempest.bench/'))
    throw new ReportError(`${f.source}: schema ${show(schema)} is not supported (this tempest reads ${SCHEMAS.join(' and ')})`);
  return f.fail('schema', SCHEMAS.map((s) => `"${s}"`).join(' or '), schema);
}

function parseEnvironment(f: Fields, value: unknown): Environment {
  const env = f.object(value, 'environment');
  const date = f.string(env, 'date', 'environment');
  if (Number.isNaN(Date.parse(date))) f.fail('environment.date', 'an ISO 8601 date', date);
  const gitDirty =
    env.gitDirty === null || typeof env.gitDirty === 'boolean'
      ? env.gitDirty
      : f.fail('environment.gitDirty', 'true, false or null', env.gitDirty);
  return {
    gitSha: f.string(env, 'gitSha', 'environment'),
    gitDirty,
    packageVersion: f.string(env, 'packageVersion', 'environment'),
    sdkVersion: f.string(env, 'sdkVersion', 'environment'),
    temporalCliVersion: f.string(env, 'temporalCliVersion', 'environment'),
    testServerVersion: f.string(env, 'testServerVersion', 'environment'),
    ...parseHost(f, env, 'environment'),
    date,
    ...f.optional(env, 'devServerConfig', (config) => f.settings(config, 'environment.devServerConfig')),
  };
}

function parseHost(f: Fields, env: Json, path: string): HostEnvironment {
  return {
    nodeVersion: f.string(env, 'nodeVersion', path),
    platform: f.string(env, 'platform', path),
    arch: f.string(env, 'arch', path),
    cpuModel: f.string(env, 'cpuModel', path),
    cpuCores: f.number(env, 'cpuCores', path, 'count'),
    totalMemoryMb: f.number(env, 'totalMemoryMb', path, 'non-negative'),
    loadAverage: f.numbers(env.loadAverage, `${path}.loadAverage`, { nonEmpty: false, nonNegative: 'a number >= 0' }),
  };
}

function parseRun(f: Fields, value: unknown): RunInfo {
  const run = f.object(value, 'run');
  const suites = Array.isArray(run.suites)
    ? run.suites.map((suite, i) => f.label(suite, `run.suites[${i}]`))
    : f.fail('run.suites', 'an array of suite names', run.suites);
  return {
    suites,
    quick: f.boolean(run.quick, 'run.quick'),
    durationMs: f.number(run, 'durationMs', 'run', 'non-negative'),
    ...f.optional(run, 'loadAverageMax', () => f.number(run, 'loadAverageMax', 'run', 'non-negative')),
    ...f.optional(run, 'warmUps', (list) => parseWarmUps(f, list)),
    ...f.optional(run, 'activities', (item) => f.label(item, 'run.activities')),
    ...f.optional(run, 'mode', (item) => f.oneOf(item, 'run.mode', ['single', 'ab'] as const)),
    ...f.optional(run, 'seed', () => f.number(run, 'seed', 'run', 'count')),
    ...f.optional(run, 'sides', (item) => parseSides(f, item)),
    ...f.optional(run, 'otherWorkCores', (item) => {
      const cores = f.object(item, 'run.otherWorkCores');
      return {
        median: f.number(cores, 'median', 'run.otherWorkCores', 'non-negative'),
        max: f.number(cores, 'max', 'run.otherWorkCores', 'non-negative'),
      };
    }),
    ...f.optional(run, 'cpuAccounting', (item) => f.oneOf(item, 'run.cpuAccounting', ['linux-proc', 'unavailable'] as const)),
    ...f.optional(run, 'cluster', (item) => parseCluster(f, item)),
    ...f.optional(run, 'processes', (list) => parseProcesses(f, list)),
    ...f.optional(run, 'openLoop', (list) =>
      Array.isArray(list) ? list.map((item, i) => parseOpenLoop(f, item, `run.openLoop[${i}]`)) : f.fail('run.openLoop', 'an array', list),
    ),
  };
}

function parseWarmUps(f: Fields, list: unknown): WarmUp[] {
  if (!Array.isArray(list)) return f.fail('run.warmUps', 'an array', list);
  return list.map((item, i): WarmUp => {
    const path = `run.warmUps[${i}]`;
    const warmUp = f.object(item, path);
    return {
      subject: f.label(warmUp.subject, `${path}.subject`),
      steady: f.boolean(warmUp.steady, `${path}.steady`),
      durationMs: f.number(warmUp, 'durationMs', path, 'non-negative'),
      rates: f.numbers(warmUp.rates, `${path}.rates`, { nonEmpty: false, nonNegative: 'a number >= 0' }),
    };
  });
}

function parseSides(f: Fields, value: unknown): { base: SideInfo; head: SideInfo } {
  const sides = f.object(value, 'run.sides');
  const side = (role: 'base' | 'head'): SideInfo => {
    const path = `run.sides.${role}`;
    const item = f.object(sides[role], path);
    return {
      label: f.label(item.label, `${path}.label`),
      gitSha: f.string(item, 'gitSha', path),
      gitDirty: item.gitDirty === null ? null : f.boolean(item.gitDirty, `${path}.gitDirty`),
      workflows: f.label(item.workflows, `${path}.workflows`),
      activities: f.label(item.activities, `${path}.activities`),
    };
  };
  return { base: side('base'), head: side('head') };
}

function parseCluster(f: Fields, value: unknown): ClusterInfo {
  const cluster = f.object(value, 'run.cluster');
  return {
    kind: f.oneOf(cluster.kind, 'run.cluster.kind', ['dev', 'services', 'external'] as const),
    ...f.optional(cluster, 'address', (item) => f.label(item, 'run.cluster.address')),
    ...f.optional(cluster, 'namespace', (item) => f.label(item, 'run.cluster.namespace')),
    shared: f.boolean(cluster.shared, 'run.cluster.shared'),
  };
}

function parseProcesses(f: Fields, list: unknown): ProcessInfo[] {
  if (!Array.isArray(list)) return f.fail('run.processes', 'an array', list);
  return list.map((item, i): ProcessInfo => {
    const path = `run.processes[${i}]`;
    const entry = f.object(item, path);
    return {
      id: f.label(entry.id, `${path}.id`),
      role: f.oneOf(entry.role, `${path}.role`, ['driver', 'worker', 'server', 'part'] as const),
      ...f.optional(entry, 'side', (side) => f.oneOf(side, `${path}.side`, ['base', 'head'] as const)),
      host: f.label(entry.host, `${path}.host`),
      pid: f.number(entry, 'pid', path, 'count'),
      ...f.optional(entry, 'cpuMs', () => f.number(entry, 'cpuMs', path, 'non-negative')),
      ...f.optional(entry, 'environment', (env) => parseHost(f, f.object(env, `${path}.environment`), `${path}.environment`)),
    };
  });
}

function parseOpenLoop(f: Fields, value: unknown, at: string): OpenLoopSummary {
  const open = f.object(value, at);
  if (!Array.isArray(open.levels)) return f.fail(`${at}.levels`, 'an array', open.levels);
  const levels = open.levels.map((item, i): OpenLoopLevel => {
    const path = `${at}.levels[${i}]`;
    const level = f.object(item, path);
    const n = (key: string, kind: NumberKind = 'non-negative'): number => f.number(level, key, path, kind);
    return {
      rate: n('rate'),
      durationMs: n('durationMs'),
      started: n('started', 'count'),
      completed: n('completed', 'count'),
      startRate: n('startRate'),
      completionRate: n('completionRate'),
      p50: n('p50'),
      p95: n('p95'),
      growth: n('growth'),
      maxStartLagMs: n('maxStartLagMs'),
      keptUp: f.boolean(level.keptUp, `${path}.keptUp`),
      ...f.optional(level, 'reason', (reason) => f.label(reason, `${path}.reason`)),
    };
  });
  return {
    workload: f.label(open.workload, `${at}.workload`),
    levels,
    ...f.optional(open, 'keptUpTo', () => f.number(open, 'keptUpTo', at, 'non-negative')),
    ...f.optional(open, 'knee', () => f.number(open, 'knee', at, 'non-negative')),
  };
}

/** An id that is `<suite>/<name>` and not seen before in the report. */
function parseId(f: Fields, item: Json, path: string, seen: Set<string>): Pick<Benchmark, 'id' | 'suite' | 'name' | 'unit'> {
  f.benchmark = '';
  const id = f.label(item.id, `${path}.id`);
  f.benchmark = ` (benchmark ${show(id)})`;
  if (seen.has(id)) throw new ReportError(`${f.source}: ${path}.id ${show(id)} appears twice (ids must be unique)`);
  seen.add(id);
  const suite = f.label(item.suite, `${path}.suite`);
  const name = f.label(item.name, `${path}.name`);
  if (id !== `${suite}/${name}`) f.fail(`${path}.id`, `"${suite}/${name}" (its suite and name)`, id);
  return { id, suite, name, unit: f.label(item.unit, `${path}.unit`) };
}

function parseBenchmarks(f: Fields, list: unknown, seen: Set<string>, ab: boolean): Benchmark[] {
  if (!Array.isArray(list)) return f.fail('benchmarks', 'an array', list);
  if (list.length === 0) return f.fail('benchmarks', 'a non-empty array (a report without benchmarks measured nothing)', list);
  const benchmarks = list.map((item, i) => parseBenchmark(f, item, `benchmarks[${i}]`, seen, ab));
  f.benchmark = '';
  return benchmarks;
}

const SAMPLE = { nonEmpty: true, nonNegative: 'a number >= 0 (a duration, rate or count is never negative)' } as const;

function parseBenchmark(f: Fields, item: unknown, path: string, seen: Set<string>, ab: boolean): Benchmark {
  f.benchmark = '';
  const object = f.object(item, path);
  const common = parseId(f, object, path, seen);
  const direction = f.oneOf(object.direction, `${path}.direction`, ['lower-is-better', 'higher-is-better'] as const);
  const samples = f.numbers(object.samples, `${path}.samples`, SAMPLE);
  if (samples.every((sample) => sample === 0)) f.fail(`${path}.samples`, 'measurements (all of them are 0: nothing was measured)', samples);
  const summary = parseSummary(f, object.summary, `${path}.summary`);
  if (summary.n !== samples.length)
    throw new ReportError(
      `${f.source}: ${path}.summary.n is ${summary.n} but ${path}.samples holds ${samples.length} values${f.benchmark}`,
    );
  if (ab && object.pairs === undefined)
    f.fail(`${path}.pairs`, "the base's and head's rounds (an A/B report pairs every benchmark)", object.pairs);
  return {
    ...common,
    direction,
    samples,
    summary,
    params: object.params === undefined ? {} : f.settings(object.params, `${path}.params`),
    ...f.optional(object, 'raw', (raw) => parseRaw(f, raw, `${path}.raw`)),
    ...f.optional(object, 'role', (role) => f.oneOf(role, `${path}.role`, ['primary', 'supporting', 'informational'] as const)),
    ...f.optional(object, 'pairs', (pairs) => parsePairs(f, pairs, `${path}.pairs`)),
    ...f.optional(object, 'otherWorkCores', (cores) => {
      const values = f.numbers(cores, `${path}.otherWorkCores`, { nonEmpty: false, nonNegative: 'a number >= 0' });
      if (values.length !== samples.length) f.fail(`${path}.otherWorkCores`, `one value per sample (${samples.length})`, values);
      return values;
    }),
  };
}

const SUMMARY_KEYS: readonly (keyof Summary)[] = ['n', 'min', 'max', 'mean', 'median', 'q1', 'q3', 'iqr', 'mad'];
const OPTIONAL_SUMMARY_KEYS: readonly (keyof Summary)[] = ['p95', 'p99'];

function parseSummary(f: Fields, value: unknown, path: string): Summary {
  const summary = f.object(value, path);
  return Object.fromEntries([
    ...SUMMARY_KEYS.map((key) => [key, f.number(summary, key, path, 'finite')]),
    // Reports written before percentiles needed enough samples carry them always; newer ones only when supported.
    ...OPTIONAL_SUMMARY_KEYS.filter((key) => summary[key] !== undefined).map((key) => [key, f.number(summary, key, path, 'finite')]),
  ]) as unknown as Summary;
}

function parseRaw(f: Fields, value: unknown, path: string): Record<string, number[]> {
  const raw = isObject(value) ? value : f.fail(path, 'an object of number arrays', value);
  return Object.fromEntries(
    Object.entries(raw).map(([key, list]) => [key, f.numbers(list, `${path}.${key}`, { nonEmpty: false, nonNegative: false })]),
  );
}

function parsePairs(f: Fields, value: unknown, path: string): Pairs {
  const pairs = f.object(value, path);
  const base = f.numbers(pairs.base, `${path}.base`, SAMPLE);
  const head = f.numbers(pairs.head, `${path}.head`, SAMPLE);
  if (head.length !== base.length) f.fail(`${path}.head`, `as many rounds as ${path}.base (${base.length})`, head);
  if (!Array.isArray(pairs.order) || pairs.order.length !== base.length)
    f.fail(`${path}.order`, `one order per pair (${base.length})`, pairs.order);
  const order = (pairs.order as unknown[]).map((item, i) => f.oneOf(item, `${path}.order[${i}]`, ['base-first', 'head-first'] as const));
  return {
    base,
    head,
    order,
    ...f.optional(pairs, 'otherWorkCores', (cores) => {
      const values = f.numbers(cores, `${path}.otherWorkCores`, { nonEmpty: false, nonNegative: 'a number >= 0' });
      if (values.length !== base.length) f.fail(`${path}.otherWorkCores`, `one value per pair (${base.length})`, values);
      return values;
    }),
  };
}

function parseCounted(f: Fields, list: unknown, seen: Set<string>, ab: boolean): CountedBenchmark[] {
  if (!Array.isArray(list)) return f.fail('counted', 'an array', list);
  const counted = list.map((item, i): CountedBenchmark => {
    const path = `counted[${i}]`;
    f.benchmark = '';
    const object = f.object(item, path);
    const common = parseId(f, object, path, seen);
    if (ab && object.baseWorkflows === undefined)
      f.fail(`${path}.baseWorkflows`, "the base's counts (an A/B report counts both sides)", undefined);
    return {
      ...common,
      workflows: parseHistogram(f, object.workflows, `${path}.workflows`),
      ...f.optional(object, 'baseWorkflows', (histogram) => parseHistogram(f, histogram, `${path}.baseWorkflows`)),
      tolerancePercent: f.number(object, 'tolerancePercent', path, 'non-negative'),
      params: object.params === undefined ? {} : f.settings(object.params, `${path}.params`),
    };
  });
  f.benchmark = '';
  return counted;
}

/** Value -> workflows: each key a decimal number >= 0, each count a whole number >= 1. */
function parseHistogram(f: Fields, value: unknown, path: string): Histogram {
  const histogram = f.object(value, path);
  for (const [key, count] of Object.entries(histogram)) {
    if (!/^\d+(\.\d+)?$/.test(key)) f.fail(`${path} key ${show(key)}`, 'a decimal number >= 0 (the value counted)', key);
    if (!(typeof count === 'number' && Number.isInteger(count) && count >= 1))
      f.fail(`${path}.${key}`, 'a whole number >= 1 (workflows)', count);
  }
  return histogram as Histogram;
}

function parseOmitted(f: Fields, list: unknown, seen: Set<string>): Omission[] {
  if (!Array.isArray(list)) return f.fail('omitted', 'an array', list);
  return list.map((item, i): Omission => {
    const path = `omitted[${i}]`;
    const omission = f.object(item, path);
    const id = f.label(omission.id, `${path}.id`);
    if (!id.includes('/')) f.fail(`${path}.id`, 'a benchmark id, <suite>/<name>', id);
    if (seen.has(id))
      throw new ReportError(
        `${f.source}: ${path}.id ${show(id)} is also a benchmark of the report; a benchmark is reported or omitted, not both`,
      );
    return { id, reason: f.label(omission.reason, `${path}.reason`) };
  });
}
