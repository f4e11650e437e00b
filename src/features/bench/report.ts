/**
 * The benchmark report: a JSON file with a versioned schema (`tempest.bench/v1`), written by `tempest bench run`
 * and read back by `tempest bench compare`. Reading validates every field and names the one that is wrong.
 */
import { readFileSync, statSync } from 'node:fs';
import { type Summary, summarize } from './stats.ts';
import { oneLine, UsageError } from '../../base/errors.ts';

export const REPORT_SCHEMA = 'tempest.bench/v1';

export type Direction = 'lower-is-better' | 'higher-is-better';

/** Where and with what the report was measured. */
export interface Environment {
  /** `git rev-parse HEAD`, or 'unknown' outside a git checkout. */
  gitSha: string;
  /** Uncommitted changes to tracked files when measured; null when unknown. */
  gitDirty: boolean | null;
  /** tempest's package.json version. */
  packageVersion: string;
  /** The @temporalio/* SDK version in use. */
  sdkVersion: string;
  /** `temporal --version` of the dev server binary, or 'unknown'. */
  temporalCliVersion: string;
  /** Pinned version of the time-skipping test server. */
  testServerVersion: string;
  nodeVersion: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCores: number;
  totalMemoryMb: number;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine makes noisy numbers. */
  loadAverage: number[];
  /** ISO 8601 time the run started. */
  date: string;
  /**
   * The dynamic config every dev server of the run started with (DEV_SERVER_DYNAMIC_CONFIG). Absent from reports
   * written before it was recorded: their servers ran with the server's throttling defaults.
   */
  devServerConfig?: Record<string, string | number | boolean>;
}

export interface Benchmark {
  /** Unique in a report and stable across versions: benchmarks are matched by id. `<suite>/<name>`. */
  id: string;
  suite: string;
  name: string;
  unit: string;
  direction: Direction;
  /**
   * The values compared across reports, one per independent repetition (a repeated run of a closed loop, one
   * iteration, one retry): the significance test treats them as independent draws.
   */
  samples: number[];
  /** Summary of `samples` (recomputed on compare; kept for people and other tools). */
  summary: Summary;
  /** What was measured: workflow, concurrency, counts, configured backoff, ... */
  params: Record<string, string | number | boolean>;
  /** Every underlying observation behind the samples, by series name (e.g. `latencyMs` of every workflow). */
  raw?: Record<string, number[]>;
}

export interface RunInfo {
  suites: string[];
  quick: boolean;
  durationMs: number;
  /**
   * The highest 1-minute load average seen during the run (sampled every few seconds). Well above what the
   * benchmark itself causes, it means other work competed for the CPU and the numbers are noisier. Optional:
   * reports written before it was recorded lack it.
   */
  loadAverageMax?: number;
  /** How each warm-up went (absent from reports written before warm-ups ran until steady). */
  warmUps?: WarmUp[];
  /** The activities module the run used instead of the system's (`bench run --activities`), as the user named it. */
  activities?: string;
}

/** A warm-up runs windows of the workload until their rates agree (steady) or its time bound passes. */
export interface WarmUp {
  /** What warmed up, e.g. `throughput/moneyTransfer c16`. */
  subject: string;
  steady: boolean;
  durationMs: number;
  /** The rate of each window in turn (workflows/s). */
  rates: number[];
}

/** A benchmark the run did not report, and why: a percentile its samples are too few to support, say. */
export interface Omission {
  /** The id the benchmark would have had. */
  id: string;
  reason: string;
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  environment: Environment;
  run: RunInfo;
  benchmarks: Benchmark[];
  /** Benchmarks not reported, and why; `bench compare` shows a base benchmark the head omitted instead of refusing it. */
  omitted?: Omission[];
}

export type BenchmarkSpec = Omit<Benchmark, 'id' | 'summary'>;

/** A benchmark entry with its id and summary filled in from its samples. */
export function benchmark(spec: BenchmarkSpec): Benchmark {
  return { id: `${spec.suite}/${spec.name}`, ...spec, summary: summarize(spec.samples) };
}

/** A report file that cannot be used; the message names the file and the field. */
export class ReportError extends UsageError {
  override name = 'ReportError';
}

/** Read and validate a report file. Throws ReportError naming the file and what is wrong. */
export function readReport(file: string): BenchReport {
  let text: string;
  try {
    // A device such as /dev/zero would never end; a pipe (`<(git show main:base.json)`) is fine.
    const stat = statSync(file);
    if (!stat.isFile() && !stat.isFIFO())
      throw new ReportError(`${file}: cannot read the report (${stat.isDirectory() ? 'is a directory' : 'not a regular file'})`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ReportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportError(
      `${file}: cannot read the report (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message})`,
    );
  }
  let value: unknown;
  try {
    // Editors on Windows may save a byte order mark, which JSON.parse refuses.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ReportError(`${file}: not valid JSON (${oneLine(error)})`, { cause: error });
  }
  return parseReport(value, file);
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as the error shows it: JSON, cut short so that the error stays one readable line. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as null.
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Control characters (a newline, say) in an id would break a one-line error and a Markdown table row. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Validate a parsed report field by field; `source` (a file name) prefixes every message, and a message about a
 * benchmark ends with its id. Besides the types, it refuses what no measurement can be: no benchmarks at all, an id
 * that is not `<suite>/<name>` or appears twice, a negative sample (every benchmark measures a duration, a rate or a
 * count), and samples that are all zero (nothing was measured).
 */
export function parseReport(value: unknown, source: string): BenchReport {
  let benchmarkLabel = '';
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ReportError(`${source}: ${field} must be ${expected}, got ${show(got)}${benchmarkLabel}`);
  };
  if (!isObject(value)) return fail('the report', 'a JSON object', value);
  if (value.schema !== REPORT_SCHEMA) {
    if (typeof value.schema === 'string' && value.schema.startsWith('tempest.bench/')) {
      throw new ReportError(`${source}: schema ${show(value.schema)} is not supported (this tempest reads ${REPORT_SCHEMA})`);
    }
    return fail('schema', `"${REPORT_SCHEMA}"`, value.schema);
  }
  /** An object of setting names to strings, finite numbers or booleans (params, dynamic config). */
  const settings = (item: unknown, path: string): Record<string, string | number | boolean> => {
    const object = isObject(item) ? item : fail(path, 'an object', item);
    for (const [key, setting] of Object.entries(object)) {
      const ok = typeof setting === 'string' || typeof setting === 'boolean' || (typeof setting === 'number' && Number.isFinite(setting));
      if (!ok) fail(`${path}.${key}`, 'a string, finite number or boolean', setting);
    }
    return object as Record<string, string | number | boolean>;
  };
  const warmUps = (list: unknown): WarmUp[] => {
    if (!Array.isArray(list)) return fail('run.warmUps', 'an array', list);
    return list.map((item, i): WarmUp => {
      const path = `run.warmUps[${i}]`;
      const warmUp = isObject(item) ? item : fail(path, 'an object', item);
      return {
        subject: label(warmUp.subject, `${path}.subject`),
        steady: typeof warmUp.steady === 'boolean' ? warmUp.steady : fail(`${path}.steady`, 'true or false', warmUp.steady),
        durationMs: number(warmUp, 'durationMs', path, 'non-negative'),
        rates: numbers(warmUp.rates, `${path}.rates`, { nonEmpty: false, nonNegative: 'a number >= 0' }),
      };
    });
  };
  const string = (object: Json, key: string, path: string): string =>
    typeof object[key] === 'string' ? (object[key] as string) : fail(`${path}.${key}`, 'a string', object[key]);
  /** An id, suite, name, unit or suite list entry: shown in one-line errors and table rows. */
  const label = (item: unknown, field: string): string =>
    typeof item === 'string' && item.trim() !== '' && !CONTROL_CHARACTER.test(item)
      ? item
      : fail(field, 'a non-empty string without control characters', item);
  const number = (object: Json, key: string, path: string, kind: 'finite' | 'non-negative' | 'count'): number => {
    const item = object[key];
    const ok =
      typeof item === 'number' && Number.isFinite(item) && (kind === 'finite' || item >= 0) && (kind !== 'count' || Number.isInteger(item));
    return ok
      ? item
      : fail(`${path}.${key}`, { finite: 'a finite number', 'non-negative': 'a finite number >= 0', count: 'an integer >= 0' }[kind], item);
  };
  const numbers = (
    list: unknown,
    path: string,
    { nonEmpty, nonNegative }: { nonEmpty: boolean; nonNegative: false | string },
  ): number[] => {
    if (!Array.isArray(list)) return fail(path, 'an array of numbers', list);
    if (nonEmpty && list.length === 0) return fail(path, 'a non-empty array of numbers', list);
    list.forEach((item, i) => {
      if (typeof item !== 'number' || !Number.isFinite(item)) fail(`${path}[${i}]`, 'a finite number', item);
      if (nonNegative !== false && item < 0) fail(`${path}[${i}]`, nonNegative, item);
    });
    return list as number[];
  };

  const env = isObject(value.environment) ? value.environment : fail('environment', 'an object', value.environment);
  const date = string(env, 'date', 'environment');
  if (Number.isNaN(Date.parse(date))) fail('environment.date', 'an ISO 8601 date', date);
  const environment: Environment = {
    gitSha: string(env, 'gitSha', 'environment'),
    gitDirty:
      env.gitDirty === null || typeof env.gitDirty === 'boolean'
        ? (env.gitDirty as boolean | null)
        : fail('environment.gitDirty', 'true, false or null', env.gitDirty),
    packageVersion: string(env, 'packageVersion', 'environment'),
    sdkVersion: string(env, 'sdkVersion', 'environment'),
    temporalCliVersion: string(env, 'temporalCliVersion', 'environment'),
    testServerVersion: string(env, 'testServerVersion', 'environment'),
    nodeVersion: string(env, 'nodeVersion', 'environment'),
    platform: string(env, 'platform', 'environment'),
    arch: string(env, 'arch', 'environment'),
    cpuModel: string(env, 'cpuModel', 'environment'),
    cpuCores: number(env, 'cpuCores', 'environment', 'count'),
    totalMemoryMb: number(env, 'totalMemoryMb', 'environment', 'non-negative'),
    loadAverage: numbers(env.loadAverage, 'environment.loadAverage', { nonEmpty: false, nonNegative: 'a number >= 0' }),
    date,
    ...(env.devServerConfig === undefined ? {} : { devServerConfig: settings(env.devServerConfig, 'environment.devServerConfig') }),
  };

  const runInfo = isObject(value.run) ? value.run : fail('run', 'an object', value.run);
  const suites = Array.isArray(runInfo.suites)
    ? runInfo.suites.map((suite, i) => label(suite, `run.suites[${i}]`))
    : fail('run.suites', 'an array of suite names', runInfo.suites);
  const run: RunInfo = {
    suites,
    quick: typeof runInfo.quick === 'boolean' ? runInfo.quick : fail('run.quick', 'true or false', runInfo.quick),
    durationMs: number(runInfo, 'durationMs', 'run', 'non-negative'),
    ...(runInfo.loadAverageMax === undefined ? {} : { loadAverageMax: number(runInfo, 'loadAverageMax', 'run', 'non-negative') }),
    ...(runInfo.warmUps === undefined ? {} : { warmUps: warmUps(runInfo.warmUps) }),
    ...(runInfo.activities === undefined ? {} : { activities: label(runInfo.activities, 'run.activities') }),
  };

  if (!Array.isArray(value.benchmarks)) return fail('benchmarks', 'an array', value.benchmarks);
  if (value.benchmarks.length === 0)
    return fail('benchmarks', 'a non-empty array (a report without benchmarks measured nothing)', value.benchmarks);
  const seen = new Set<string>();
  const benchmarks = value.benchmarks.map((item, i): Benchmark => {
    const path = `benchmarks[${i}]`;
    benchmarkLabel = '';
    if (!isObject(item)) return fail(path, 'an object', item);
    const id = label(item.id, `${path}.id`);
    benchmarkLabel = ` (benchmark ${show(id)})`;
    if (seen.has(id)) throw new ReportError(`${source}: ${path}.id ${show(id)} appears twice (ids must be unique)`);
    seen.add(id);
    const suite = label(item.suite, `${path}.suite`);
    const name = label(item.name, `${path}.name`);
    if (id !== `${suite}/${name}`) fail(`${path}.id`, `"${suite}/${name}" (its suite and name)`, id);
    const unit = label(item.unit, `${path}.unit`);
    const direction =
      item.direction === 'lower-is-better' || item.direction === 'higher-is-better'
        ? item.direction
        : fail(`${path}.direction`, '"lower-is-better" or "higher-is-better"', item.direction);
    const samples = numbers(item.samples, `${path}.samples`, {
      nonEmpty: true,
      nonNegative: 'a number >= 0 (a duration, rate or count is never negative)',
    });
    if (samples.every((sample) => sample === 0)) fail(`${path}.samples`, 'measurements (all of them are 0: nothing was measured)', samples);
    const summaryObject = isObject(item.summary) ? item.summary : fail(`${path}.summary`, 'an object', item.summary);
    const summary = Object.fromEntries([
      ...SUMMARY_KEYS.map((key) => [key, number(summaryObject, key, `${path}.summary`, 'finite')]),
      // Reports written before percentiles needed enough samples carry them always; newer ones only when supported.
      ...OPTIONAL_SUMMARY_KEYS.filter((key) => summaryObject[key] !== undefined).map((key) => [
        key,
        number(summaryObject, key, `${path}.summary`, 'finite'),
      ]),
    ]) as unknown as Summary;
    if (summary.n !== samples.length) {
      throw new ReportError(
        `${source}: ${path}.summary.n is ${summary.n} but ${path}.samples holds ${samples.length} values${benchmarkLabel}`,
      );
    }
    const paramsObject = item.params === undefined ? {} : settings(item.params, `${path}.params`);
    let raw: Record<string, number[]> | undefined;
    if (item.raw !== undefined) {
      const rawObject = isObject(item.raw) ? item.raw : fail(`${path}.raw`, 'an object of number arrays', item.raw);
      raw = Object.fromEntries(
        Object.entries(rawObject).map(([key, list]) => [key, numbers(list, `${path}.raw.${key}`, { nonEmpty: false, nonNegative: false })]),
      );
    }
    return {
      id,
      suite,
      name,
      unit,
      direction,
      samples,
      summary,
      params: paramsObject as Benchmark['params'],
      ...(raw ? { raw } : {}),
    };
  });
  benchmarkLabel = '';
  let omitted: Omission[] | undefined;
  if (value.omitted !== undefined) {
    if (!Array.isArray(value.omitted)) return fail('omitted', 'an array', value.omitted);
    omitted = value.omitted.map((item, i): Omission => {
      const path = `omitted[${i}]`;
      const omission = isObject(item) ? item : fail(path, 'an object', item);
      const id = label(omission.id, `${path}.id`);
      if (!id.includes('/')) fail(`${path}.id`, 'a benchmark id, <suite>/<name>', id);
      if (seen.has(id))
        throw new ReportError(
          `${source}: ${path}.id ${show(id)} is also a benchmark of the report; a benchmark is reported or omitted, not both`,
        );
      return { id, reason: label(omission.reason, `${path}.reason`) };
    });
  }
  return { schema: REPORT_SCHEMA, environment, run, benchmarks, ...(omitted ? { omitted } : {}) };
}

const SUMMARY_KEYS: readonly (keyof Summary)[] = ['n', 'min', 'max', 'mean', 'median', 'q1', 'q3', 'iqr', 'mad'];
const OPTIONAL_SUMMARY_KEYS: readonly (keyof Summary)[] = ['p95', 'p99'];
