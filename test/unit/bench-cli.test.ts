import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePartFlags } from '../../src/entries/cli/commands/bench';
import { SUITES } from '../../src/features/bench/suites';
import { tempestSync } from '../support/cli';
import { latencySpec, lognormalSamples, seededRandom, syntheticReport } from '../support/bench-reports';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tempest = (...args: string[]) => tempestSync(args, { cwd: dir });

function writeReport(name: string, report: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(report));
  return file;
}

const random = seededRandom(42);
const base = writeReport(
  'base.json',
  syntheticReport([latencySpec('moneyTransfer/c4/latency-p50', lognormalSamples(random, 10, 100, 0.07))]),
);
const slower = writeReport(
  'slower.json',
  syntheticReport([latencySpec('moneyTransfer/c4/latency-p50', lognormalSamples(random, 10, 115, 0.07))]),
);

describe('tempest bench compare', () => {
  it('exits 1 on a significant regression beyond the threshold, prints Markdown and writes both reports', () => {
    const markdown = path.join(dir, 'regression.md');
    const html = path.join(dir, 'out', 'regression.html');

    const { code, stdout, stderr } = tempest('bench', 'compare', base, slower, '--markdown', markdown, '--html', html);

    expect(code).toBe(1);
    expect(stdout).toContain('## Benchmarks: ❌ 1 significant regression beyond 10%');
    expect(stderr).toBe('tempest: 1 significant regression beyond 10%: throughput/moneyTransfer/c4/latency-p50\n');
    expect(readFileSync(markdown, 'utf8')).toBe(stdout);
    expect(readFileSync(html, 'utf8')).toContain('<!doctype html>');
  });

  it('exits 0 comparing a report with itself (A/A)', () => {
    const { code, stdout } = tempest('bench', 'compare', base, base);
    expect(code).toBe(0);
    expect(stdout).toContain('✅ no significant regression beyond 10%');
  });

  it('exits 0 when the regression is within a wider --threshold, and says so', () => {
    const { code, stdout } = tempest('bench', 'compare', base, slower, '--threshold', '50');
    expect(code).toBe(0);
    expect(stdout).toContain('regression within 50%');
  });

  it('prints the comparison as JSON with --json', () => {
    const { code, stdout } = tempest('bench', 'compare', base, slower, '--json');
    expect(code).toBe(1);
    const comparison = JSON.parse(stdout) as { verdict: string; failures: string[]; rows: { status: string }[] };
    expect(comparison.verdict).toBe('fail');
    expect(comparison.failures).toEqual(['throughput/moneyTransfer/c4/latency-p50']);
  });

  it('exits 2 naming the file and field of a malformed report, and writes nothing', () => {
    const report = JSON.parse(readFileSync(base, 'utf8')) as { benchmarks: { samples: unknown[] }[] };
    report.benchmarks[0]!.samples[1] = 'fast';
    const broken = writeReport('broken.json', report);
    const markdown = path.join(dir, 'never.md');
    const html = path.join(dir, 'never.html');

    const { code, stdout, stderr } = tempest('bench', 'compare', base, broken, '--markdown', markdown, '--html', html);

    expect(code).toBe(2);
    expect(stderr).toBe(
      `tempest: ${broken}: benchmarks[0].samples[1] must be a finite number, got "fast" (benchmark "throughput/moneyTransfer/c4/latency-p50")\n`,
    );
    expect(stdout).toBe('');
    expect(existsSync(markdown)).toBe(false);
    expect(existsSync(html)).toBe(false);
  });

  it('exits 2 naming the flag for a threshold that is not a positive number', () => {
    const { code, stderr } = tempest('bench', 'compare', base, slower, '--threshold', '-3');
    expect(code).toBe(2);
    expect(stderr).toBe("tempest: --threshold must be a positive number of percent, e.g. 10, got '-3'\n");
  });

  it('exits 2 when an output path is a directory', () => {
    const { code, stderr } = tempest('bench', 'compare', base, slower, '--html', dir);
    expect(code).toBe(2);
    expect(stderr).toBe(`tempest: --html ${dir} is a directory; give a file path\n`);
  });
});

describe('tempest bench worker and bench drive', () => {
  it.each([
    [
      ['worker', '--address', '127.0.0.1:7233'],
      'tempest: --run <id> is required: the id the driver printed (tempest bench drive --run <id>)\n',
    ],
    [['worker', '--run', 'r1'], "tempest: --address <host:port> is required: the cluster's frontend\n"],
    [
      ['worker', '--run', 'a b', '--address', '127.0.0.1:7233'],
      "tempest: --run must be letters, digits and dashes (at most 63), got 'a b'\n",
    ],
    [['worker', '--run', 'r1', '--side', 'left', '--address', '127.0.0.1:7233'], "tempest: --side must be base or head, got 'left'\n"],
    [
      ['drive', '--address', '127.0.0.1:7233', '--rates', '5,0'],
      "tempest: --rates must be comma-separated workflows per second above 0, e.g. 5,10,20,40; got '5,0'\n",
    ],
    [
      ['drive', '--address', '127.0.0.1:7233', '--rates', '5', '--ab'],
      'tempest: --rates drives an open loop, which is not A/B: leave out --ab, or drive --concurrency\n',
    ],
    [['drive', '--address', '127.0.0.1:7233', '--hold', '5'], 'tempest: --hold and --max-in-flight shape an open loop: give --rates too\n'],
    [['drive', '--address', '127.0.0.1:7233', '--workers', '0'], "tempest: --workers must be a whole number from 1 to 1000, got '0'\n"],
  ])('exits 2 for bench %j before connecting to anything', (args, message) => {
    const { code, stderr } = tempest('bench', ...args);
    expect([code, stderr]).toEqual([2, message]);
  });
});

describe('--part', () => {
  it('takes host:port, or the address as tempest up prints it', () => {
    expect(parsePartFlags(['bank=127.0.0.1:4000', 'store=http://127.0.0.1:4001/'])).toEqual({
      bank: expect.objectContaining({ host: '127.0.0.1', port: 4000 }),
      store: expect.objectContaining({ host: '127.0.0.1', port: 4001 }),
    });
    expect(() => parsePartFlags(['bank=https://127.0.0.1:4000'])).toThrow(
      "--part must be <name>=<host:port>, got 'bank=https://127.0.0.1:4000'",
    );
  });
});

describe('tempest bench run', () => {
  it('exits 2 naming an unknown suite before starting anything, and writes no report', () => {
    const out = path.join(dir, 'never.json');
    const { code, stderr } = tempest('bench', 'run', '--suite', 'throughput,warp-speed', '--out', out);
    expect(code).toBe(2);
    expect(stderr).toBe(`tempest: unknown suite 'warp-speed' in --suite; known suites: ${SUITES.map((s) => s.name).join(', ')}\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for a suite named twice, whose benchmarks would share ids, before starting anything', () => {
    const out = path.join(dir, 'never.json');
    const { code, stderr } = tempest('bench', 'run', '--suite', 'time-skipping,replay,time-skipping', '--out', out);
    expect(code).toBe(2);
    expect(stderr).toBe("tempest: --suite names 'time-skipping' twice; name each suite once\n");
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['0', "tempest: --concurrency must be comma-separated whole numbers from 1 to 9999, e.g. 1,4,16; got '0'\n"],
    ['1,four', "tempest: --concurrency must be comma-separated whole numbers from 1 to 9999, e.g. 1,4,16; got '1,four'\n"],
    ['1,,4', "tempest: --concurrency must be comma-separated whole numbers from 1 to 9999, e.g. 1,4,16; got '1,,4'\n"],
    ['4,4', 'tempest: --concurrency names 4 twice; name each level once\n'],
  ])('exits 2 for --concurrency %s before starting anything, and writes no report', (levels, message) => {
    const out = path.join(dir, 'never.json');
    const { code, stderr } = tempest('bench', 'run', '--concurrency', levels, '--out', out);
    expect([code, stderr]).toEqual([2, message]);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for --concurrency when --suite leaves the throughput suite out', () => {
    const { code, stderr } = tempest('bench', 'run', '--suite', 'replay', '--concurrency', '1');
    expect([code, stderr]).toEqual([2, "tempest: --concurrency sets the throughput suite's levels, and --suite leaves it out\n"]);
  });

  it('exits 2 naming an --activities module that does not exist, before any server starts', () => {
    const { code, stderr } = tempestSync([
      'bench',
      'run',
      '--suite',
      'throughput',
      '--activities',
      'no-such-activities.ts',
      '--out',
      path.join(dir, 'never.json'),
    ]);
    expect([code, stderr]).toEqual([2, 'tempest: --activities no-such-activities.ts: no such file\n']);
  });

  it('exits 2 naming an --activities module a worker could not serve from (the issue 25 mistake), before any server starts', () => {
    const { code, stderr } = tempestSync([
      'bench',
      'run',
      '--suite',
      'throughput',
      '--activities',
      'activities/index.ts',
      '--out',
      path.join(dir, 'never.json'),
    ]);
    expect([code, stderr]).toEqual([
      2,
      'tempest: activities/index.ts: createActivities read context.bank, context.store, which its context does not have (a worker calls createActivities({ parts }) with parts bank, store); is this the module your workers load?\n',
    ]);
    expect(existsSync(path.join(dir, 'never.json'))).toBe(false);
  });

  it.each([
    [['--pairs', '30'], 'tempest: --pairs applies to an A/B run: give --base <ref|dir>, --base-activities or --base-workflows\n'],
    [['--threshold', '5'], 'tempest: --threshold applies to an A/B run: give --base <ref|dir>, --base-activities or --base-workflows\n'],
    [['--base', '.', '--suite', 'replay'], 'tempest: --base measures A/B, which the replay suite cannot; run --suite throughput\n'],
    [['--base', '.', '--pairs', 'many'], "tempest: --pairs must be a whole number from 2 to 1000, got 'many'\n"],
    [['--cluster', 'cloud'], "tempest: --cluster must be dev (a dev server of the run's own) or external, got 'cloud'\n"],
    [['--cluster', 'external'], "tempest: --cluster external needs --address <host:port> of the cluster's frontend\n"],
    [['--address', '127.0.0.1:7233'], 'tempest: --address and --namespace name an existing cluster: give --cluster external too\n'],
    [['--part', 'bank'], "tempest: --part must be <name>=<host:port>, got 'bank'\n"],
  ])('exits 2 for %j before starting anything', (args, message) => {
    const { code, stderr } = tempest('bench', 'run', ...args, '--out', path.join(dir, 'never.json'));
    expect([code, stderr]).toEqual([2, message]);
  });

  it('exits 2 naming a --base that is neither a directory nor a git ref', () => {
    const { code, stderr } = tempestSync(['bench', 'run', '--base', 'no-such-ref-xyz', '--quick', '--out', path.join(dir, 'never.json')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^tempest: --base no-such-ref-xyz: neither a directory nor a git ref of .* \(git rev-parse --verify found no commit\)\n$/,
    );
  });

  it('exits 2 for an unknown flag', () => {
    const { code, stderr } = tempest('bench', 'run', '--fast');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--fast'");
  });

  it('lists its suites', () => {
    const { code, stdout } = tempest('bench', 'suites');
    expect(code).toBe(0);
    const listed = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/\s+/)[0]);
    expect(listed).toEqual(SUITES.map((s) => s.name));
    expect(listed).toEqual(expect.arrayContaining(['throughput', 'baseline', 'retry-latency', 'time-skipping']));
  });

  it('leaves no temporary files behind in the output directories', () => {
    expect(readdirSync(dir).filter((name) => name.includes('.partial-'))).toEqual([]);
  });
});
