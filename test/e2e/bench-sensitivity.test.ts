/**
 * A deposit 20 ms slower is a regression the gate flags whatever else the machine is doing: base and head are
 * measured in one A/B run (`bench run --base . --activities <slower>`), alternating pairs of rounds on the same dev
 * server and services, so both see the same neighbours, and judged on the pairs (a verdict, exit 1, not a warning).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/features/bench/report';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/base/harness/temporal';
import { type CliResult, tempestAsync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-sensitivity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bench');
const out = path.join(dir, 'ab.json');
let run: CliResult;

beforeAll(async () => {
  run = await tempestAsync(
    [
      'bench',
      'run',
      '--base',
      REPO_ROOT,
      '--activities',
      path.join(FIXTURES, 'deposit-20ms-slower.ts'),
      '--concurrency',
      '1',
      '--config',
      path.join(FIXTURES, 'tempest.config.ts'),
      '--out',
      out,
    ],
    { cwd: dir },
  );
}, 600_000);

describe('a deposit 20 ms slower, A/B at concurrency 1 (real dev server and services)', () => {
  // At concurrency 1 the rounds' throughput is the inverse of their latency: either is the regression, whichever the
  // noise beside it lets through (four busy loops once left p25 short of significance, and throughput flagged it).
  it('is a significant regression beyond 10% of the rounds’ latency or throughput: exit 1, naming it', () => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^tempest: \d+ significant regressions? beyond 10%: .*throughput\/moneyTransfer\/c1\/(latency-p(25|50)|throughput)\b/m,
    );
    expect(run.stdout).toContain('## Benchmarks: ❌');
  });

  it('costs no more of anything counted: every counted cost of the slower deposit is unchanged', () => {
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    const counted = report.counted!.map((c) => [c.name, Object.keys(c.baseWorkflows!).length > 0]);
    expect(counted.map(([name]) => name)).toEqual([
      'moneyTransfer/history-events',
      'moneyTransfer/history-bytes',
      'moneyTransfer/workflow-tasks',
      'moneyTransfer/activities',
      'moneyTransfer/activity-attempts',
      'moneyTransfer/activity-executions',
      'moneyTransfer/requests/bank',
      'moneyTransfer/requests/store',
    ]);
    expect(run.stdout).not.toMatch(/\| moneyTransfer\/(history-events|activities|activity-attempts|requests\/bank) \|.*❌/);
  });

  it('writes an A/B report: both sides, the pairs’ order, the dev server settings, the processes that measured', () => {
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.run.mode).toBe('ab');
    expect(report.run.sides!.head.activities).toBe(path.join(FIXTURES, 'deposit-20ms-slower.ts'));
    expect(report.environment.devServerConfig).toEqual(DEV_SERVER_DYNAMIC_CONFIG);
    const p25 = report.benchmarks.find((b) => b.id === 'throughput/moneyTransfer/c1/latency-p25')!;
    expect(p25.role).toBe('primary');
    expect(p25.pairs!.base.length).toBeGreaterThanOrEqual(20);
    expect(new Set(p25.pairs!.order)).toEqual(new Set(['base-first', 'head-first']));
    // Every process that measured, in whatever order they started (the parts and workers start side by side).
    expect(report.run.processes!.map((p) => p.id).sort()).toEqual([
      'driver',
      'part-bank',
      'part-store',
      'server',
      'worker-base',
      'worker-head',
    ]);
  });
});
