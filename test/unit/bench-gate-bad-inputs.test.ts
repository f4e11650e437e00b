/**
 * The catalogue of bad inputs to the benchmark gate (`tempest bench compare`, and the output flags of `bench run`):
 * each must end in one line naming the file and the field or benchmark (or the flag), exit 2, and nothing written;
 * or, where a regression is the truth, exit 1 naming the benchmark. `compareBench` runs in this process, and its
 * exit code is the verdict, and an error is turned into an exit code and a line as `tempest` does (src/entries/cli/main.ts; bench-cli.test.ts runs the real
 * command for a few of these).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type BenchmarkSpec, REPORT_SCHEMA } from '../../src/features/bench/report';
import { type BenchCompareOptions, compareBench } from '../../src/entries/cli/commands/bench';
import { checkWritable } from '../../src/entries/cli/flags';
import { exitCodeOf } from '../../src/base/errors';
import { tempestSync } from '../support/cli';
import { latencySpec, syntheticReport, throughputSpec } from '../support/bench-reports';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

type Json = { [key: string]: unknown };

const LATENCY = 'throughput/moneyTransfer/c4/latency-p50';
const THROUGHPUT = 'throughput/moneyTransfer/c4/throughput';
const specs = (latency = [100, 102, 98, 101, 99, 103], throughput = [25, 24.5, 25.5, 25.2, 24.8, 25.1]): BenchmarkSpec[] => [
  latencySpec('moneyTransfer/c4/latency-p50', latency),
  throughputSpec('moneyTransfer/c4/throughput', throughput),
];
/** A valid report as plain JSON, to break one field at a time. */
const valid = (): Json => JSON.parse(JSON.stringify(syntheticReport(specs()))) as Json;
const benchmarksOf = (report: Json) => report.benchmarks as Json[];

let fileCount = 0;
/** Writes a report (an object as JSON, a string as is) to a fresh file. */
function reportFile(content: object | string): string {
  const file = path.join(dir, `report-${++fileCount}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const base = reportFile(valid());

/** A file that is not a directory, to put paths under. */
const plainFile = reportFile('not a directory');

/**
 * A file that is not a regular one (a named pipe) as an output target: writing renames a new file over the target,
 * so a device such as /dev/null would be replaced. The test uses a pipe of its own, which it may lose.
 */
const pipe = path.join(dir, 'pipe');
execFileSync('mkfifo', [pipe]);

/** Runs the comparison as `tempest bench compare` would: its exit code, stdout and stderr. */
function compare(basePath: string, headPath: string, options: BenchCompareOptions = {}): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = compareBench(basePath, headPath, options);
    return { code, stdout, stderr };
  } catch (error) {
    return { code: exitCodeOf(error), stdout, stderr: `tempest: ${(error as Error).message}\n` };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Every file under the test directory: nothing may appear when an input is refused. */
const listing = (): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

/** A head report with one change, as a file: the change edits the JSON in place. */
const head = (change: (report: Json) => void): string => {
  const report = valid();
  change(report);
  return reportFile(report);
};

interface BadInput {
  name: string;
  /** base and head paths, and the options (the output flags default to fresh paths that must stay unwritten). */
  run: () => [base: string, head: string, options?: BenchCompareOptions];
  /** What the one line must name: the file, the field or flag, the benchmark. */
  names: (files: { base: string; head: string }) => string[];
}

const headNames =
  (...parts: string[]) =>
  (files: { head: string }) => [files.head, ...parts];

const REPORT_FILES: BadInput[] = [
  { name: 'a head file that does not exist', run: () => [base, path.join(dir, 'missing.json')], names: headNames('no such file') },
  { name: 'a head that is a directory', run: () => [base, dir], names: headNames('is a directory') },
  { name: 'a head that is a device which never ends (/dev/zero)', run: () => [base, '/dev/zero'], names: headNames('not a regular file') },
  { name: 'an empty head file', run: () => [base, reportFile('')], names: headNames('not valid JSON') },
  {
    name: 'a head cut off mid-way',
    run: () => [base, reportFile(JSON.stringify(valid()).slice(0, 200))],
    names: headNames('not valid JSON'),
  },
  { name: 'a head that is a JSON array', run: () => [base, reportFile('[]')], names: headNames('the report must be a JSON object') },
  { name: 'a head that is JSON null', run: () => [base, reportFile('null')], names: headNames('the report must be a JSON object') },
  {
    name: 'a base file that does not exist',
    run: () => [path.join(dir, 'gone.json'), base],
    names: (files) => [files.base, 'no such file'],
  },
];

const SCHEMA: BadInput[] = [
  { name: 'no schema', run: () => [base, head((r) => delete r.schema)], names: headNames('schema') },
  {
    name: 'a newer schema version',
    run: () => [base, head((r) => (r.schema = 'tempest.bench/v3'))],
    names: headNames('"tempest.bench/v3" is not supported'),
  },
  {
    name: 'an older schema version',
    run: () => [base, head((r) => (r.schema = 'tempest.bench/v0'))],
    names: headNames('"tempest.bench/v0" is not supported'),
  },
  {
    name: 'a schema of another tool',
    run: () => [base, head((r) => (r.schema = 'benchstat/v1'))],
    names: headNames(`schema must be "${REPORT_SCHEMA}"`),
  },
  { name: 'no environment', run: () => [base, head((r) => delete r.environment)], names: headNames('environment must be an object') },
  {
    name: 'a core count that is text',
    run: () => [base, head((r) => ((r.environment as Json).cpuCores = 'two'))],
    names: headNames('environment.cpuCores'),
  },
  {
    name: 'a date that is no date',
    run: () => [base, head((r) => ((r.environment as Json).date = 'yesterday'))],
    names: headNames('environment.date'),
  },
  {
    name: 'gitDirty that is text',
    run: () => [base, head((r) => ((r.environment as Json).gitDirty = 'yes'))],
    names: headNames('environment.gitDirty'),
  },
  {
    name: 'a load average that is not a list',
    run: () => [base, head((r) => ((r.environment as Json).loadAverage = 1.2))],
    names: headNames('environment.loadAverage'),
  },
  { name: 'no run', run: () => [base, head((r) => delete r.run)], names: headNames('run must be an object') },
  { name: 'no run.quick', run: () => [base, head((r) => delete (r.run as Json).quick)], names: headNames('run.quick') },
  {
    name: 'a negative run duration',
    run: () => [base, head((r) => ((r.run as Json).durationMs = -5))],
    names: headNames('run.durationMs'),
  },
  {
    name: 'a suite list holding a number',
    run: () => [base, head((r) => ((r.run as Json).suites = [1]))],
    names: headNames('run.suites[0]'),
  },
  { name: 'no benchmarks', run: () => [base, head((r) => delete r.benchmarks)], names: headNames('benchmarks must be an array') },
  {
    name: 'a head with no benchmarks',
    run: () => [base, head((r) => (r.benchmarks = []))],
    names: headNames('benchmarks must be a non-empty array'),
  },
  {
    name: 'benchmarks that are an object',
    run: () => [base, head((r) => (r.benchmarks = {}))],
    names: headNames('benchmarks must be an array'),
  },
  {
    name: 'a benchmark that is null',
    run: () => [base, head((r) => (benchmarksOf(r)[1] = null as unknown as Json))],
    names: headNames('benchmarks[1] must be an object'),
  },
  {
    name: 'a benchmark without an id',
    run: () => [base, head((r) => delete benchmarksOf(r)[0]!.id)],
    names: headNames('benchmarks[0].id'),
  },
  { name: 'an empty id', run: () => [base, head((r) => (benchmarksOf(r)[0]!.id = ''))], names: headNames('benchmarks[0].id') },
  {
    name: 'an id with a line break',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.id = 'throughput/a\nb'))],
    names: headNames('benchmarks[0].id', '"throughput/a\\nb"'),
  },
  {
    name: 'an id that is not its suite and name',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.id = 'throughput/other'))],
    names: headNames('benchmarks[0].id', LATENCY),
  },
  {
    name: 'duplicate benchmark ids',
    run: () => [base, head((r) => benchmarksOf(r).push(benchmarksOf(r)[0]!))],
    names: headNames('benchmarks[2].id', LATENCY, 'appears twice'),
  },
  { name: 'no suite', run: () => [base, head((r) => delete benchmarksOf(r)[0]!.suite)], names: headNames('benchmarks[0].suite', LATENCY) },
  { name: 'no unit', run: () => [base, head((r) => delete benchmarksOf(r)[0]!.unit)], names: headNames('benchmarks[0].unit', LATENCY) },
  {
    name: 'an unknown direction',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.direction = 'faster'))],
    names: headNames('benchmarks[0].direction', LATENCY),
  },
  {
    name: 'no samples',
    run: () => [base, head((r) => delete benchmarksOf(r)[0]!.samples)],
    names: headNames('benchmarks[0].samples', LATENCY),
  },
  {
    name: 'empty samples',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.samples = []))],
    names: headNames('benchmarks[0].samples', LATENCY),
  },
  {
    name: 'a sample that is text',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.samples as unknown[])[2] = '98'))],
    names: headNames('benchmarks[0].samples[2]', LATENCY),
  },
  {
    name: 'a sample that is null (NaN written by JSON.stringify)',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.samples as unknown[])[2] = null))],
    names: headNames('benchmarks[0].samples[2]', LATENCY),
  },
  {
    name: 'a sample of 1e400 (Infinity once parsed)',
    run: () => [base, reportFile(JSON.stringify(valid()).replace('"samples":[100,', '"samples":[1e400,'))],
    names: headNames('benchmarks[0].samples[0]', 'Infinity', LATENCY),
  },
  {
    name: 'a sample of -1e400 (-Infinity once parsed)',
    run: () => [base, reportFile(JSON.stringify(valid()).replace('"samples":[100,', '"samples":[-1e400,'))],
    names: headNames('benchmarks[0].samples[0]', '-Infinity', LATENCY),
  },
  {
    name: 'a negative latency',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.samples as number[])[1] = -102))],
    names: headNames('benchmarks[0].samples[1]', LATENCY, 'never negative'),
  },
  {
    name: 'a negative throughput',
    run: () => [base, head((r) => ((benchmarksOf(r)[1]!.samples as number[])[0] = -25))],
    names: headNames('benchmarks[1].samples[0]', THROUGHPUT),
  },
  {
    name: 'all-zero latencies',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.samples = [0, 0, 0, 0, 0, 0]))],
    names: headNames('benchmarks[0].samples', LATENCY, 'nothing was measured'),
  },
  {
    name: 'all-zero throughput',
    run: () => [base, head((r) => (benchmarksOf(r)[1]!.samples = [0, 0, 0, 0, 0, 0]))],
    names: headNames('benchmarks[1].samples', THROUGHPUT, 'nothing was measured'),
  },
  {
    name: 'no summary',
    run: () => [base, head((r) => delete benchmarksOf(r)[0]!.summary)],
    names: headNames('benchmarks[0].summary', LATENCY),
  },
  {
    name: 'a summary whose n disagrees with the samples',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.summary as Json).n = 4))],
    names: headNames('benchmarks[0].summary.n', LATENCY),
  },
  {
    name: 'a summary median that is text',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.summary as Json).median = 'fast'))],
    names: headNames('benchmarks[0].summary.median', LATENCY),
  },
  {
    name: 'params that are a list',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.params = [1]))],
    names: headNames('benchmarks[0].params', LATENCY),
  },
  {
    name: 'a param that is an object',
    run: () => [base, head((r) => ((benchmarksOf(r)[0]!.params as Json).workflow = { name: 'x' }))],
    names: headNames('benchmarks[0].params.workflow', LATENCY),
  },
  {
    name: 'a param of 1e400',
    run: () => [
      base,
      reportFile(
        JSON.stringify(valid()).replace('"params":{"workflow":"moneyTransfer"}', '"params":{"workflow":"moneyTransfer","maxCount":1e400}'),
      ),
    ],
    names: headNames('benchmarks[0].params.maxCount', LATENCY),
  },
  {
    name: 'raw that is a list',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.raw = [1]))],
    names: headNames('benchmarks[0].raw', LATENCY),
  },
  {
    name: 'a raw series holding text',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.raw = { latencyMs: [1, 'x'] }))],
    names: headNames('benchmarks[0].raw.latencyMs[1]', LATENCY),
  },
  {
    name: 'a bad field in the base, not the head',
    run: () => [head((r) => ((benchmarksOf(r)[0]!.samples as number[])[0] = -1)), base],
    names: (files) => [files.base, 'benchmarks[0].samples[0]', LATENCY],
  },
];

const COMPARISONS: BadInput[] = [
  {
    name: 'a head with every benchmark removed (renamed)',
    run: () => [base, reportFile(syntheticReport([latencySpec('renamed', [1, 2, 3, 4, 5])]))],
    names: headNames('all 2 benchmarks', LATENCY, THROUGHPUT, 'missing'),
  },
  {
    name: 'a head missing one benchmark of the base',
    run: () => [base, head((r) => benchmarksOf(r).pop())],
    names: headNames('1 benchmark', THROUGHPUT, 'missing'),
  },
  { name: 'a changed unit', run: () => [base, head((r) => (benchmarksOf(r)[0]!.unit = 's'))], names: headNames(LATENCY, 'unit "s"') },
  {
    name: 'a changed direction',
    run: () => [base, head((r) => (benchmarksOf(r)[0]!.direction = 'higher-is-better'))],
    names: headNames(LATENCY, 'direction "higher-is-better"'),
  },
  {
    name: 'samples too few for any change to be significant (3 against 3)',
    run: () => [reportFile(syntheticReport(specs([1, 2, 3], [4, 5, 6]))), reportFile(syntheticReport(specs([10, 20, 30], [4, 5, 6])))],
    names: (files) => [files.base, files.head, LATENCY, 'can never show a significant change'],
  },
  {
    name: 'an alpha too small for the sample counts (6 against 6 at 0.001)',
    run: () => [base, base, { alpha: '0.001' }],
    names: () => [LATENCY, 'alpha 0.001'],
  },
];

const OUTPUT_FLAGS: BadInput[] = [
  { name: '--threshold that is negative', run: () => [base, base, { threshold: '-3' }], names: () => ['--threshold', "'-3'"] },
  { name: '--threshold of zero', run: () => [base, base, { threshold: '0' }], names: () => ['--threshold', "'0'"] },
  { name: '--threshold that is a word', run: () => [base, base, { threshold: 'ten' }], names: () => ['--threshold', "'ten'"] },
  { name: '--threshold with a percent sign', run: () => [base, base, { threshold: '10%' }], names: () => ['--threshold', "'10%'"] },
  { name: '--threshold of Infinity', run: () => [base, base, { threshold: 'Infinity' }], names: () => ['--threshold', "'Infinity'"] },
  { name: '--threshold in hexadecimal', run: () => [base, base, { threshold: '0x10' }], names: () => ['--threshold', "'0x10'"] },
  { name: '--threshold that is empty', run: () => [base, base, { threshold: '' }], names: () => ['--threshold', "''"] },
  { name: '--alpha of 0', run: () => [base, base, { alpha: '0' }], names: () => ['--alpha', "'0'"] },
  { name: '--alpha of 1', run: () => [base, base, { alpha: '1' }], names: () => ['--alpha', "'1'"] },
  { name: '--alpha above 1', run: () => [base, base, { alpha: '1.5' }], names: () => ['--alpha', "'1.5'"] },
  { name: '--markdown that is empty', run: () => [base, base, { markdown: '' }], names: () => ['--markdown needs a file path'] },
  {
    name: '--markdown that is a directory',
    run: () => [base, base, { markdown: dir }],
    names: () => ['--markdown', dir, 'is a directory'],
  },
  {
    name: '--markdown ending in a separator',
    run: () => [base, base, { markdown: path.join(dir, 'reports') + path.sep }],
    names: () => ['--markdown', 'names a directory'],
  },
  {
    name: '--markdown under a file',
    run: () => [base, base, { markdown: path.join(plainFile, 'out.md') }],
    names: () => ['--markdown', `${plainFile} is not a directory`],
  },
  {
    name: '--markdown in a read-only directory',
    run: () => [base, base, { markdown: '/sys/kernel/tempest.md' }],
    names: () => ['--markdown', '/sys/kernel', 'permission denied'],
  },
  {
    name: '--markdown that is not a regular file (a named pipe, as /dev/null is a device)',
    run: () => [base, base, { markdown: pipe }],
    names: () => ['--markdown', pipe, 'not a regular file'],
  },
  {
    name: '--markdown that is the head report',
    run: () => {
      const other = reportFile(valid());
      return [base, other, { markdown: other }];
    },
    names: () => ['--markdown', 'the head report', 'overwrite'],
  },
  {
    name: '--html that is the base report',
    run: () => {
      const other = reportFile(valid());
      return [other, base, { html: other }];
    },
    names: () => ['--html', 'the base report'],
  },
  {
    name: '--html that is also the --markdown file',
    run: () => [base, base, { markdown: path.join(dir, 'both.out'), html: path.join(dir, 'both.out') }],
    names: () => ['--html', 'also the --markdown file'],
  },
  { name: '--html that is a directory', run: () => [base, base, { html: dir }], names: () => ['--html', 'is a directory'] },
  {
    name: '--html under a file',
    run: () => [base, base, { html: path.join(plainFile, 'deeper', 'out.html') }],
    names: () => ['--html', `${plainFile} is not a directory`],
  },
  {
    name: '--html in a read-only directory',
    run: () => [base, base, { html: '/sys/kernel/tempest.html' }],
    names: () => ['--html', 'permission denied'],
  },
];

describe.each([
  ['report files', REPORT_FILES],
  ['report fields', SCHEMA],
  ['comparisons the gate cannot judge', COMPARISONS],
  ['flags', OUTPUT_FLAGS],
])('bench compare refuses %s: exit 2, one line naming the file and field or flag, nothing written', (_, inputs) => {
  it.each(inputs.map((input) => [input.name, input] as const))('%s', (_name, input) => {
    const [basePath, headPath, options = {}] = input.run();
    const outputs = { markdown: path.join(dir, 'out', 'never.md'), html: path.join(dir, 'out', 'never.html') };
    const before = listing();

    const { code, stdout, stderr } = compare(basePath, headPath, { ...outputs, ...options });

    expect(code).toBe(2);
    expect(stderr.split('\n')).toHaveLength(2); // one line, then the final newline
    for (const part of input.names({ base: basePath, head: headPath })) expect(stderr).toContain(part);
    expect(stdout).toBe('');
    expect(listing()).toEqual(before);
  });
});

describe('bench compare flags the truth: a regression beyond the threshold, exit 1 naming the benchmark', () => {
  it('a zero baseline against a real head (before: shown as `~` and passed)', () => {
    const zeroBase = reportFile(syntheticReport(specs([0, 0, 0, 0, 1, 2])));
    const { code, stdout, stderr } = compare(zeroBase, base);
    expect(code).toBe(1);
    expect(stderr).toBe(`tempest: 1 significant regression beyond 10%: ${LATENCY}\n`);
    expect(stdout).toContain('| +∞% |');
  });

  it('a throughput that fell to a zero median', () => {
    const stalled = reportFile(syntheticReport(specs(undefined, [0, 0, 0, 0, 0.5, 1])));
    const { code, stderr } = compare(base, stalled);
    expect(code).toBe(1);
    expect(stderr).toBe(`tempest: 1 significant regression beyond 10%: ${THROUGHPUT}\n`);
  });

  it('writes an unbounded change into --json as the string "Infinity", not a silent null', () => {
    const zeroBase = reportFile(syntheticReport(specs([0, 0, 0, 0, 1, 2])));
    const { stdout } = compare(zeroBase, base, { json: true });
    const row = (JSON.parse(stdout) as { rows: { id: string; changePercent: unknown; costPercent: unknown }[] }).rows.find(
      (r) => r.id === LATENCY,
    )!;
    expect([row.changePercent, row.costPercent]).toEqual(['Infinity', 'Infinity']);
  });
});

describe('checkWritable (bench run --out, bench compare --markdown and --html)', () => {
  const refusal = (file: string): string => {
    try {
      checkWritable(file, '--out');
    } catch (error) {
      expect(exitCodeOf(error)).toBe(2);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it.each([
    ['an empty path', '', "--out needs a file path, got ''"],
    ['a directory', dir, `--out ${dir} is a directory; give a file path`],
    [
      'a path ending in a separator',
      `${dir}/new/`,
      `--out ${dir}/new/ ends in a path separator, so it names a directory; give a file path`,
    ],
    [
      'a path under a file',
      path.join(plainFile, 'a', 'b.json'),
      `--out ${path.join(plainFile, 'a', 'b.json')}: ${plainFile} is not a directory`,
    ],
    [
      'a read-only directory',
      '/sys/kernel/report.json',
      '--out /sys/kernel/report.json: cannot create a file in /sys/kernel (permission denied)',
    ],
    [
      'a file that is not a regular one (a named pipe)',
      pipe,
      `--out ${pipe} is not a regular file, and writing would replace it; give a file path`,
    ],
  ])('refuses %s, naming the flag', (_, file, message) => {
    const before = listing();
    expect(refusal(file)).toBe(message);
    expect(listing()).toEqual(before);
  });

  it('accepts a new file in directories still to be created, and creates nothing while checking', () => {
    const before = listing();
    expect(refusal(path.join(dir, 'a', 'b', 'c.json'))).toBe('accepted');
    expect(listing()).toEqual(before);
  });

  it('accepts an existing file it may replace, even a read-only one (the rename replaces it)', () => {
    const file = reportFile('old');
    chmodSync(file, 0o444);
    expect(refusal(file)).toBe('accepted');
  });

  it('tempest bench run refuses an --out in a read-only directory before starting anything', () => {
    const { code, stdout, stderr } = tempestSync(['bench', 'run', '--suite', 'time-skipping', '--out', '/sys/kernel/bench.json'], {
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toBe('tempest: --out /sys/kernel/bench.json: cannot create a file in /sys/kernel (permission denied)\n');
    expect(stdout).toBe('');
  });

  it('tempest bench run refuses an --out that is not a regular file, naming the flag', () => {
    const { code, stderr } = tempestSync(['bench', 'run', '--suite', 'time-skipping', '--out', pipe], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe(`tempest: --out ${pipe} is not a regular file, and writing would replace it; give a file path\n`);
  });
});
