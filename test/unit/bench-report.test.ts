import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReport, readReport, REPORT_SCHEMA } from '../../src/features/bench/report';
import { latencySpec, syntheticReport } from '../support/bench-reports';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = { [key: string]: unknown };

/** The message of the error `run` throws. */
function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}

/** An A/B report with one paired benchmark and one counted cost, as `bench run --base` writes it. */
const abReport = (): Json => {
  const report = valid();
  withField(report, 'run.mode', 'ab');
  withField(report, 'run.seed', 7);
  withField(report, 'run.otherWorkCores', { median: 1.4, max: 1.7 });
  const side = { label: 'working tree', gitSha: 'unknown', gitDirty: null, workflows: 'w.ts', activities: 'a.ts' };
  withField(report, 'run.sides', { base: side, head: { ...side, label: 'working tree, activities x.ts' } });
  withField(report, 'benchmarks.0.role', 'primary');
  withField(report, 'benchmarks.0.pairs', {
    base: [140, 141, 139],
    head: [150, 151, 149],
    order: ['base-first', 'head-first', 'head-first'],
  });
  withField(report, 'counted', [
    {
      id: 'costs/x/activities',
      suite: 'costs',
      name: 'x/activities',
      unit: 'activities/workflow',
      workflows: { '3': 24 },
      baseWorkflows: { '2': 24 },
      tolerancePercent: 0,
      params: {},
    },
  ]);
  return report;
};

const valid = (): Json =>
  JSON.parse(JSON.stringify(syntheticReport([latencySpec('moneyTransfer/c1/latency-p50', [150, 151, 149])]))) as Json;

/** Set (or, for undefined, delete) the value at a dotted path such as `benchmarks.0.samples.1`. */
function withField(report: Json, dotted: string, value: unknown): Json {
  const keys = dotted.split('.');
  let target = report;
  for (const key of keys.slice(0, -1)) target = target[key] as Json;
  const last = keys.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return report;
}

describe('parseReport', () => {
  it('accepts a report as bench run writes it, and round-trips it unchanged', () => {
    const report = valid();
    expect(report.schema).toBe(REPORT_SCHEMA);
    expect(parseReport(report, 'base.json')).toEqual(report);
  });

  const B = ' (benchmark "throughput/moneyTransfer/c1/latency-p50")';
  it.each([
    ['no schema', 'schema', undefined, 'base.json: schema must be "tempest.bench/v2" or "tempest.bench/v1", got nothing'],
    [
      'another schema version',
      'schema',
      'tempest.bench/v3',
      'base.json: schema "tempest.bench/v3" is not supported (this tempest reads tempest.bench/v2 and tempest.bench/v1)',
    ],
    [
      'a sample that is a string',
      'benchmarks.0.samples.1',
      '151',
      `base.json: benchmarks[0].samples[1] must be a finite number, got "151"${B}`,
    ],
    ['no samples', 'benchmarks.0.samples', [], `base.json: benchmarks[0].samples must be a non-empty array of numbers, got []${B}`],
    [
      'an unknown direction',
      'benchmarks.0.direction',
      'faster',
      `base.json: benchmarks[0].direction must be "lower-is-better" or "higher-is-better", got "faster"${B}`,
    ],
    [
      'a missing environment field',
      'environment.cpuCores',
      undefined,
      'base.json: environment.cpuCores must be an integer >= 0, got nothing',
    ],
    [
      'a summary out of step with the samples',
      'benchmarks.0.samples',
      [150, 151, 149, 152],
      `base.json: benchmarks[0].summary.n is 3 but benchmarks[0].samples holds 4 values${B}`,
    ],
    [
      'a non-numeric raw series',
      'benchmarks.0.raw',
      { latencyMs: [1, null] },
      `base.json: benchmarks[0].raw.latencyMs[1] must be a finite number, got null${B}`,
    ],
    ['a load average that is text', 'run.loadAverageMax', 'high', 'base.json: run.loadAverageMax must be a finite number >= 0, got "high"'],
    [
      'a param that is an object',
      'benchmarks.0.params.workflow',
      { name: 'x' },
      `base.json: benchmarks[0].params.workflow must be a string, finite number or boolean, got {"name":"x"}${B}`,
    ],
    // What no measurement can be.
    [
      'no benchmarks at all',
      'benchmarks',
      [],
      'base.json: benchmarks must be a non-empty array (a report without benchmarks measured nothing), got []',
    ],
    [
      'a negative latency',
      'benchmarks.0.samples.2',
      -149,
      `base.json: benchmarks[0].samples[2] must be a number >= 0 (a duration, rate or count is never negative), got -149${B}`,
    ],
    [
      'samples that are all zero',
      'benchmarks.0.samples',
      [0, 0, 0],
      `base.json: benchmarks[0].samples must be measurements (all of them are 0: nothing was measured), got [0,0,0]${B}`,
    ],
    [
      'an id that is not its suite and name',
      'benchmarks.0.id',
      'throughput/other',
      'base.json: benchmarks[0].id must be "throughput/moneyTransfer/c1/latency-p50" (its suite and name), got "throughput/other" (benchmark "throughput/other")',
    ],
    ['an empty id', 'benchmarks.0.id', '', 'base.json: benchmarks[0].id must be a non-empty string without control characters, got ""'],
    [
      'an id with a line break',
      'benchmarks.0.id',
      'throughput/a\nb',
      'base.json: benchmarks[0].id must be a non-empty string without control characters, got "throughput/a\\nb"',
    ],
    [
      'an empty unit',
      'benchmarks.0.unit',
      ' ',
      `base.json: benchmarks[0].unit must be a non-empty string without control characters, got " "${B}`,
    ],
    [
      'a suite that is a number',
      'benchmarks.0.suite',
      7,
      `base.json: benchmarks[0].suite must be a non-empty string without control characters, got 7${B}`,
    ],
    [
      'a param that overflowed to Infinity',
      'benchmarks.0.params.maxCount',
      Infinity,
      `base.json: benchmarks[0].params.maxCount must be a string, finite number or boolean, got Infinity${B}`,
    ],
    ['a fractional core count', 'environment.cpuCores', 1.5, 'base.json: environment.cpuCores must be an integer >= 0, got 1.5'],
    ['a negative load average', 'environment.loadAverage.1', -0.4, 'base.json: environment.loadAverage[1] must be a number >= 0, got -0.4'],
    ['a date that is no date', 'environment.date', 'yesterday', 'base.json: environment.date must be an ISO 8601 date, got "yesterday"'],
    ['a negative run duration', 'run.durationMs', -1, 'base.json: run.durationMs must be a finite number >= 0, got -1'],
    [
      'a suite list with an empty name',
      'run.suites',
      [''],
      'base.json: run.suites[0] must be a non-empty string without control characters, got ""',
    ],
    [
      'a summary value that is not a number',
      'benchmarks.0.summary.median',
      'fast',
      `base.json: benchmarks[0].summary.median must be a finite number, got "fast"${B}`,
    ],
    ['benchmarks that are an object', 'benchmarks', {}, 'base.json: benchmarks must be an array, got {}'],
    ['a benchmark that is a string', 'benchmarks.0', 'x', 'base.json: benchmarks[0] must be an object, got "x"'],
    ['quick that is text', 'run.quick', 'no', 'base.json: run.quick must be true or false, got "no"'],
  ])('names the field when the report has %s', (_, field, value, message) => {
    expect(errorOf(() => parseReport(withField(valid(), field, value), 'base.json'))).toBe(message);
  });

  it('cuts a long value short, so the error stays one line of readable length', () => {
    const message = errorOf(() =>
      parseReport(
        withField(
          valid(),
          'benchmarks.0.samples',
          Array.from({ length: 500 }, () => 'x'),
        ),
        'base.json',
      ),
    );
    expect(message).toBe(`base.json: benchmarks[0].samples[0] must be a finite number, got "x"${B}`);
    const long = errorOf(() => parseReport(withField(valid(), 'run', 'y'.repeat(500)), 'base.json'));
    expect(long).toBe(`base.json: run must be an object, got "${'y'.repeat(76)}…`);
  });

  it('accepts a report without run.loadAverageMax (recorded since; older reports lack it)', () => {
    expect(parseReport(withField(valid(), 'run.loadAverageMax', undefined), 'base.json').run.loadAverageMax).toBeUndefined();
  });

  it('names a benchmark id that appears twice', () => {
    const report = valid();
    const benchmarks = report.benchmarks as unknown[];
    benchmarks.push(benchmarks[0]);
    expect(() => parseReport(report, 'base.json')).toThrow(
      'base.json: benchmarks[1].id "throughput/moneyTransfer/c1/latency-p50" appears twice (ids must be unique)',
    );
  });

  it('reads a report written before percentiles needed enough samples and the dev server settings were recorded', () => {
    const old = withField(withField(valid(), 'environment.devServerConfig', undefined), 'benchmarks.0.summary.p95', 150.9);
    (old.benchmarks as Json[])[0]!.summary = { ...((old.benchmarks as Json[])[0]!.summary as Json), p99: 150.98 };
    const report = parseReport(old, 'old.json');
    expect(report.environment).not.toHaveProperty('devServerConfig');
    expect(report.benchmarks[0]!.summary).toMatchObject({ p95: 150.9, p99: 150.98 });
  });

  it('reads the dev server settings, warm-ups and omitted benchmarks', () => {
    const report = valid();
    withField(report, 'environment.devServerConfig', {
      'history.transferProcessorMaxPollRPS': 1000,
      'history.timerProcessorMaxTimeShift': '10ms',
      'frontend.enableServerVersionCheck': false,
    });
    withField(report, 'run.warmUps', [
      { subject: 'throughput/moneyTransfer c16', steady: true, durationMs: 4210, rates: [30.1, 35.2, 35.9, 35.4] },
    ]);
    withField(report, 'omitted', [
      { id: 'throughput/moneyTransfer/c1/latency-p99', reason: "a run's p99 needs at least 200 workflows, and these runs closed 40" },
    ]);
    expect(parseReport(report, 'head.json')).toEqual(report);
  });

  it.each([
    [
      'a dev server setting that is an object',
      'environment.devServerConfig',
      { 'history.rps': { x: 1 } },
      'head.json: environment.devServerConfig.history.rps must be a string, finite number or boolean, got {"x":1}',
    ],
    ['warm-ups that are no list', 'run.warmUps', 'fast', 'head.json: run.warmUps must be an array, got "fast"'],
    [
      'a warm-up without its verdict',
      'run.warmUps',
      [{ subject: 'x', durationMs: 1, rates: [] }],
      'head.json: run.warmUps[0].steady must be true or false, got nothing',
    ],
    [
      'an omission without a reason',
      'omitted',
      [{ id: 'throughput/x' }],
      'head.json: omitted[0].reason must be a non-empty string without control characters, got nothing',
    ],
    [
      'an omission of a benchmark the report has',
      'omitted',
      [{ id: 'throughput/moneyTransfer/c1/latency-p50', reason: 'r' }],
      'head.json: omitted[0].id "throughput/moneyTransfer/c1/latency-p50" is also a benchmark of the report; a benchmark is reported or omitted, not both',
    ],
  ])('refuses %s, naming the field', (_what, field, value, message) => {
    expect(errorOf(() => parseReport(withField(valid(), field, value), 'head.json'))).toBe(message);
  });

  it('reads a tempest.bench/v1 report as it was written: a single run, other work unmeasured', () => {
    const v1 = withField(valid(), 'schema', 'tempest.bench/v1');
    const report = parseReport(v1, 'old.json');
    expect(report.schema).toBe('tempest.bench/v1');
    expect(report.run.mode).toBeUndefined();
    expect(report.run.otherWorkCores).toBeUndefined();
  });

  it('reads an A/B report: its sides, pairs, roles and counted costs', () => {
    const report = abReport();
    expect(parseReport(report, 'ab.json')).toEqual(report);
  });

  it.each([
    [
      'pairs of unequal length',
      'benchmarks.0.pairs.head',
      [1, 2],
      `ab.json: benchmarks[0].pairs.head must be as many rounds as benchmarks[0].pairs.base (3), got [1,2]${B}`,
    ],
    [
      'an order that is no side',
      'benchmarks.0.pairs.order.1',
      'sideways',
      `ab.json: benchmarks[0].pairs.order[1] must be "base-first" or "head-first", got "sideways"${B}`,
    ],
    [
      'a benchmark without its pairs',
      'benchmarks.0.pairs',
      undefined,
      `ab.json: benchmarks[0].pairs must be the base's and head's rounds (an A/B report pairs every benchmark), got nothing${B}`,
    ],
    [
      'a role that is unknown',
      'benchmarks.0.role',
      'main',
      `ab.json: benchmarks[0].role must be "primary" or "supporting" or "informational", got "main"${B}`,
    ],
    [
      'a counted value that is no number',
      'counted.0.workflows',
      { two: 3 },
      'ab.json: counted[0].workflows key "two" must be a decimal number >= 0 (the value counted), got "two" (benchmark "costs/x/activities")',
    ],
    [
      'a counted cost without the base side',
      'counted.0.baseWorkflows',
      undefined,
      'ab.json: counted[0].baseWorkflows must be the base\'s counts (an A/B report counts both sides), got nothing (benchmark "costs/x/activities")',
    ],
    ['a mode that is unknown', 'run.mode', 'both', 'ab.json: run.mode must be "single" or "ab", got "both"'],
    [
      'other work that is negative',
      'run.otherWorkCores',
      { median: -1, max: 0 },
      'ab.json: run.otherWorkCores.median must be a finite number >= 0, got -1',
    ],
  ])('refuses an A/B report with %s, naming the field', (_what, field, value, message) => {
    expect(errorOf(() => parseReport(withField(abReport(), field, value), 'ab.json'))).toBe(message);
  });

  it('says what a report must be when it is not an object', () => {
    expect(() => parseReport([], 'base.json')).toThrow('base.json: the report must be a JSON object, got []');
  });
});

describe('readReport', () => {
  it('names the file that does not exist', () => {
    expect(() => readReport(path.join(dir, 'missing.json'))).toThrow(
      `${path.join(dir, 'missing.json')}: cannot read the report (no such file)`,
    );
  });

  it('names the file that is not JSON', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"schema": "tempest.bench/v1", ');
    expect(() => readReport(file)).toThrow(`${file}: not valid JSON`);
  });

  it('refuses a device, which would never end, naming the file', () => {
    expect(errorOf(() => readReport('/dev/zero'))).toBe('/dev/zero: cannot read the report (not a regular file)');
  });

  it('names a directory', () => {
    expect(errorOf(() => readReport(dir))).toBe(`${dir}: cannot read the report (is a directory)`);
  });

  it('reads a file that starts with a byte order mark', () => {
    const file = path.join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(valid())}`);
    expect(readReport(file).benchmarks).toHaveLength(1);
  });

  it('reads a valid file', () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(valid()));
    expect(readReport(file).benchmarks[0]!.id).toBe('throughput/moneyTransfer/c1/latency-p50');
  });
});
