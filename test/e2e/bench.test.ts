import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmark, type BenchReport, REPORT_SCHEMA } from '../../src/features/bench/report';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { openOffline } from '../support/browser';
import { TEMPEST_BIN, tempestAsync } from '../support/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI; resolves with its exit code and output whatever the code. */
const tempest = (...args: string[]) => tempestAsync(args, { cwd: dir });
/** The repository's own config: its system and workloads (run from elsewhere, as CI may). */
const CONFIG = ['--config', path.join(PROJECT_ROOT, 'tempest.config.ts')];

const first = path.join(dir, 'first.json');
const second = path.join(dir, 'second.json');

// Two real quick runs of the cheapest suite (the time-skipping server and the real services), as CI would make
// on main and on a branch. They run at once: their servers are separate processes on free ports.
beforeAll(async () => {
  const runs = await Promise.all(
    [first, second].map((out) => tempest('bench', 'run', '--quick', '--suite', 'time-skipping', '--out', out, ...CONFIG)),
  );
  for (const result of runs) expect(result.code, result.stderr).toBe(0);
});

describe('tempest bench run --quick --suite time-skipping (real servers)', () => {
  it('writes a tempest.bench/v2 report with the environment, every raw sample and the other work it measured', () => {
    const report = JSON.parse(readFileSync(first, 'utf8')) as BenchReport;
    expect(report.schema).toBe(REPORT_SCHEMA);
    expect(report.run).toMatchObject({ suites: ['time-skipping'], quick: true, mode: 'single', cpuAccounting: 'linux-proc' });
    expect(report.run.otherWorkCores!.median).toBeGreaterThanOrEqual(0);
    // A commit of this repository (HEAD when the run started; others may commit while the test runs).
    expect(report.environment.gitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(execFileSync('git', ['cat-file', '-t', report.environment.gitSha], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim()).toBe(
      'commit',
    );
    expect(report.environment.nodeVersion).toBe(process.version);
    expect(report.environment.sdkVersion).toBe('1.24.0');
    expect(report.environment.temporalCliVersion).toMatch(/^1\.9\.1 \(Server \d+\.\d+\.\d+/);
    expect(report.environment.cpuCores).toBe(os.cpus().length);
    expect(report.benchmarks.map((b) => b.id)).toEqual([
      'time-skipping/moneyTransfer/latency',
      'time-skipping/orderSaga/latency',
      'time-skipping/order-approval-timeout-24h/latency',
    ]);
    for (const b of report.benchmarks) {
      expect(b.samples.length).toBeGreaterThanOrEqual(10);
      expect(b.summary.n).toBe(b.samples.length);
      expect(b.samples.every((ms) => ms > 0)).toBe(true);
      // A workflow that really ran on a real server takes a millisecond at least: far less means it never ran.
      expect(b.summary.median).toBeGreaterThan(1);
    }
  });

  it('compares the two runs: the exit code agrees with the verdict, and both reports are written whole', async () => {
    const markdown = path.join(dir, 'compare.md');
    const html = path.join(dir, 'compare.html');

    const { code, stdout } = await tempest('bench', 'compare', first, second, '--markdown', markdown, '--html', html);

    // Two real runs at once on a shared machine may differ for real, or be too noisy to judge (exit 2, never a
    // pass); what must hold is that the verdict and exit agree.
    const headline = { 0: '✅ no significant regression', 1: '❌', 2: '⚠ cannot judge' }[code as 0 | 1 | 2];
    expect(stdout.split('\n')[0]).toContain(headline);
    expect(readFileSync(markdown, 'utf8')).toBe(stdout);
    expect(stdout).toContain('| moneyTransfer/latency | ms, lower is better |');
    expect(stdout).toContain('| order-approval-timeout-24h/latency | ms, lower is better |');
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('flags a real report slowed down threefold (exit 1), and against itself finds no regression (exit 0, or 2 if too noisy to see 10%)', async () => {
    const report = JSON.parse(readFileSync(first, 'utf8')) as BenchReport;
    const slowed: BenchReport = {
      ...report,
      benchmarks: report.benchmarks.map(({ id: _id, summary: _summary, ...spec }) =>
        benchmark({ ...spec, samples: spec.samples.map((ms) => ms * 3) }),
      ),
    };
    const slowedFile = path.join(dir, 'slowed.json');
    writeFileSync(slowedFile, JSON.stringify(slowed));

    const regression = await tempest('bench', 'compare', first, slowedFile);
    const same = await tempest('bench', 'compare', first, first);

    expect(regression.code).toBe(1);
    expect(regression.stderr).toBe(
      'tempest: 3 significant regressions beyond 10%: time-skipping/moneyTransfer/latency, time-skipping/orderSaga/latency, time-skipping/order-approval-timeout-24h/latency\n',
    );
    const verdict = (JSON.parse((await tempest('bench', 'compare', first, first, '--json')).stdout) as { verdict: string }).verdict;
    expect({ pass: 0, 'cannot-judge': 2 }[verdict]).toBe(same.code);
  });

  it('the HTML report draws its charts offline in a real browser, without errors', async () => {
    const html = path.join(dir, 'compare.html');
    if (!existsSync(html)) await tempest('bench', 'compare', first, second, '--html', html);

    const page = await openOffline(html, { screenshot: path.join(dir, 'compare.png') });

    expect(page.blockedRequests).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    // The overview bars and one distribution chart per benchmark.
    const benchmarks = (JSON.parse(readFileSync(first, 'utf8')) as BenchReport).benchmarks;
    expect(page.canvases).toHaveLength(1 + benchmarks.length);
    for (const canvas of page.canvases) {
      expect(canvas.width).toBeGreaterThan(0);
      expect(canvas.height).toBeGreaterThan(0);
      expect(canvas.paintedPixels).toBeGreaterThan(1000);
    }
    expect(page.text).toContain('moneyTransfer/latency');
  });

  it('stops its servers, removes its temporary state, writes no report and exits 130 when interrupted mid-run', async () => {
    const out = path.join(dir, 'interrupted.json');
    const run = startRun(['--suite', 'time-skipping', '--out', out]);
    const dataDir = await run.serversStarted();
    expect(servicesUsing(dataDir, run.child.pid)).toHaveLength(2); // bank and store

    run.child.kill('SIGTERM');

    expect(await run.exit).toBe(130);
    expect(run.stderr()).toContain('tempest: interrupted; stopped the servers');
    expect(existsSync(out)).toBe(false);
    expect(servicesUsing(dataDir, run.child.pid)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a run killed with -9 leaves its servers, and the next run ends them and removes its temporary state', async () => {
    const run = startRun(['--suite', 'time-skipping', '--out', path.join(dir, 'killed.json')]);
    const dataDir = await run.serversStarted();
    const record = readdirSync(RUNS)
      .map((file) => path.join(RUNS, file))
      .find((file) => file.endsWith('.json') && readFileSync(file, 'utf8').includes(dataDir));
    const recorded = Object.keys((JSON.parse(readFileSync(record!, 'utf8')) as { processes: object }).processes).sort();
    expect(recorded).toEqual(['bank', 'store', 'time-skipping']); // the last spawned by the SDK, found as this run's child

    run.child.kill('SIGKILL');
    await run.exit;
    expect(servicesUsing(dataDir, run.child.pid)).toHaveLength(2); // orphans, until the next run

    const next = await tempest('bench', 'run', '--quick', '--suite', 'time-skipping', '--out', path.join(dir, 'next.json'), ...CONFIG);

    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      new RegExp(
        `cleaned up a benchmark run whose harness was killed \\(${dataDir}\\): bank \\(pid \\d+\\), store \\(pid \\d+\\), time-skipping \\(pid \\d+\\)`,
      ),
    );
    expect(servicesUsing(dataDir, undefined)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(record!)).toBe(false);
  });
});

/** The run records of the repository's config (its outDir is the repository's .tempest). */
const RUNS = path.join(PROJECT_ROOT, '.tempest', 'bench', 'runs');

/** A `tempest bench run` in the background; `serversStarted` resolves with its data directory once it is timing. */
function startRun(args: string[]) {
  const child = spawn(process.execPath, [TEMPEST_BIN, 'bench', 'run', ...args, ...CONFIG], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exit,
    stderr: () => stderr,
    async serversStarted(): Promise<string> {
      while (!stderr.includes('time-skipping: timing')) {
        if (child.exitCode !== null || child.signalCode !== null) expect.fail(`bench run exited early:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return /servers' state and logs in (\S+)/.exec(stderr)![1]!;
    },
  };
}

/** Processes other than the run itself (`except`) whose command line names its data directory: its services. */
function servicesUsing(dataDir: string, except: number | undefined): string[] {
  try {
    const pids = execFileSync('pgrep', ['-f', '--', dataDir], { encoding: 'utf8' }).trim().split('\n');
    return pids.filter((pid) => pid && Number(pid) !== except);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
