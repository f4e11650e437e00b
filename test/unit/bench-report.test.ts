import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseReport, readReport, REPORT_SCHEMA } from '../../src/bench/report';
import { latencySpec, syntheticReport } from '../support/bench-reports';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = { [key: string]: unknown };

const valid = (): Json => JSON.parse(JSON.stringify(syntheticReport([latencySpec('moneyTransfer/c1/latency-p50', [150, 151, 149])]))) as Json;

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

  it.each([
    ['no schema', 'schema', undefined, 'base.json: schema must be "tempest.bench/v1", got nothing'],
    ['another schema version', 'schema', 'tempest.bench/v2', 'base.json: schema "tempest.bench/v2" is not supported (this tempest reads tempest.bench/v1)'],
    ['a sample that is a string', 'benchmarks.0.samples.1', '151', 'base.json: benchmarks[0].samples[1] must be a finite number, got "151"'],
    ['no samples', 'benchmarks.0.samples', [], 'base.json: benchmarks[0].samples must be a non-empty array of numbers, got []'],
    ['an unknown direction', 'benchmarks.0.direction', 'faster', 'base.json: benchmarks[0].direction must be "lower-is-better" or "higher-is-better", got "faster"'],
    ['a missing environment field', 'environment.cpuCores', undefined, 'base.json: environment.cpuCores must be a finite number, got nothing'],
    ['a summary out of step with the samples', 'benchmarks.0.samples', [150, 151, 149, 152], 'base.json: benchmarks[0].summary.n is 3 but benchmarks[0].samples holds 4 values'],
    ['a non-numeric raw series', 'benchmarks.0.raw', { latencyMs: [1, null] }, 'base.json: benchmarks[0].raw.latencyMs[1] must be a finite number, got null'],
    ['a load average that is text', 'run.loadAverageMax', 'high', 'base.json: run.loadAverageMax must be a finite number, got "high"'],
    ['a param that is an object', 'benchmarks.0.params.workflow', { name: 'x' }, 'base.json: benchmarks[0].params.workflow must be a string, number or boolean, got {"name":"x"}'],
  ])('names the field when the report has %s', (_, field, value, message) => {
    expect(() => parseReport(withField(valid(), field, value), 'base.json')).toThrow(message);
  });

  it('accepts a report without run.loadAverageMax (recorded since; older reports lack it)', () => {
    expect(parseReport(withField(valid(), 'run.loadAverageMax', undefined), 'base.json').run.loadAverageMax).toBeUndefined();
  });

  it('names a benchmark id that appears twice', () => {
    const report = valid();
    const benchmarks = report.benchmarks as unknown[];
    benchmarks.push(benchmarks[0]);
    expect(() => parseReport(report, 'base.json')).toThrow('base.json: benchmarks[1].id "throughput/moneyTransfer/c1/latency-p50" appears twice (ids must be unique)');
  });

  it('says what a report must be when it is not an object', () => {
    expect(() => parseReport([], 'base.json')).toThrow('base.json: the report must be a JSON object, got []');
  });
});

describe('readReport', () => {
  it('names the file that does not exist', () => {
    expect(() => readReport(path.join(dir, 'missing.json'))).toThrow(`${path.join(dir, 'missing.json')}: cannot read the report (no such file)`);
  });

  it('names the file that is not JSON', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"schema": "tempest.bench/v1", ');
    expect(() => readReport(file)).toThrow(`${file}: not valid JSON`);
  });

  it('reads a valid file', () => {
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(valid()));
    expect(readReport(file).benchmarks[0]!.id).toBe('throughput/moneyTransfer/c1/latency-p50');
  });
});
