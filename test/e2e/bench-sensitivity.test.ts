/**
 * A benchmark measures the workflow, not the server's 50 ms slot: a deposit 20 ms slower is a regression `bench
 * compare` flags, measured for real at concurrency 1. On a dev server that loads workflow tasks only 20 times a second
 * (the server's default) every transfer took 150 ms whatever its activities did, and the same 20 ms went unseen.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/features/bench/report';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/base/harness/temporal';
import { tempestAsync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-sensitivity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bench');
const tempest = (...args: string[]) => tempestAsync(args, { cwd: dir });
const base = path.join(dir, 'base.json');
const head = path.join(dir, 'head.json');

// One after the other, never at once: two runs sharing the CPU would measure each other.
beforeAll(async () => {
  for (const [out, extra] of [
    [base, []],
    [head, ['--activities', path.join(FIXTURES, 'deposit-20ms-slower.ts')]],
  ] as const) {
    const run = await tempest(
      'bench',
      'run',
      '--suite',
      'throughput',
      '--concurrency',
      '1',
      '--config',
      path.join(FIXTURES, 'tempest.config.ts'),
      '--out',
      out,
      ...extra,
    );
    expect(run.code, run.stderr).toBe(0);
  }
}, 300_000);

describe('a deposit 20 ms slower, measured at concurrency 1 (real dev server and services)', () => {
  it('is a significant regression beyond 10% that fails bench compare (exit 1)', async () => {
    const { code, stdout, stderr } = await tempest('bench', 'compare', base, head);

    expect(code, stdout).toBe(1);
    expect(stderr).toMatch(/^tempest: \d+ significant regressions? beyond 10%: /);
    expect(stderr).toContain('throughput/moneyTransfer/c1/throughput');
    // The p50 of a short run under the load of the test files beside this one can miss significance (it did once in
    // CI), so it is held to the direction of the change: the head's median is the slower one.
    const medianP50 = (file: string): number =>
      (JSON.parse(readFileSync(file, 'utf8')) as BenchReport).benchmarks.find((b) => b.id === 'throughput/moneyTransfer/c1/latency-p50')!
        .summary.median;
    expect(medianP50(head)).toBeGreaterThan(medianP50(base));
  });

  it('both reports record the dev server settings that make it visible, and the head names its activities', () => {
    const [baseReport, headReport] = [base, head].map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchReport);
    for (const report of [baseReport!, headReport!]) {
      expect(report.environment.devServerConfig).toEqual(DEV_SERVER_DYNAMIC_CONFIG);
      expect(report.run.warmUps!.map((w) => w.subject)).toEqual(['throughput/moneyTransfer c1']);
    }
    expect(baseReport!.run.activities).toBeUndefined();
    expect(headReport!.run.activities).toBe(path.join(FIXTURES, 'deposit-20ms-slower.ts'));
    // A transfer is three workflow tasks and two activities: far under the 150 ms that 50 ms slots made of it.
    const p50 = baseReport!.benchmarks.find((b) => b.id === 'throughput/moneyTransfer/c1/latency-p50')!;
    expect(p50.summary.median).toBeLessThan(120);
  });
});
