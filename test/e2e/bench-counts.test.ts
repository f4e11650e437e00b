/**
 * Counted costs compare exactly, so even a `--quick` A/B run (4 pairs of 3 workflows, too few for any wall-clock
 * verdict) catches one more activity per transfer, with certainty; and passes the same code against itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/features/bench/report';
import { tempestAsync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bench');
const quickAb = (out: string, ...head: string[]) =>
  tempestAsync(
    ['bench', 'run', '--base', REPO_ROOT, '--quick', '--config', path.join(FIXTURES, 'tempest.config.ts'), '--out', out, ...head],
    { cwd: dir },
  );

describe('bench run --base --quick (real dev server and services)', () => {
  it('flags one more activity per transfer by its counts: exit 1, activities 2 -> 3', async () => {
    const out = path.join(dir, 'extra.json');
    const extra = path.join(FIXTURES, 'extra-activity');
    const run = await quickAb(out, '--workflows', path.join(extra, 'workflows.ts'), '--activities', path.join(extra, 'activities.ts'));

    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('costs/moneyTransfer/activities');
    expect(run.stdout).toContain(
      '| moneyTransfer/activities | activities/workflow | 2 (n=12) | 3 (n=12) | ❌ regression: median 2 -> 3 per workflow |',
    );
    expect(run.stdout).toContain(
      '| moneyTransfer/requests/bank | requests/workflow | 2 (n=12) | 3 (n=12) | ❌ regression: median 2 -> 3 per workflow |',
    );
    // Wall clock from 4 pairs is shown, never judged.
    expect(run.stdout).toMatch(/\| moneyTransfer\/c1\/latency-p25 \|.*\| not judged: --quick: 4 pairs cannot reach p < 0\.05 \|/);
  });

  it('passes the same code against itself (A/A): every count equal, nothing judged on wall clock', async () => {
    const out = path.join(dir, 'aa.json');
    const run = await quickAb(out);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    const events = report.counted!.find((c) => c.name === 'moneyTransfer/history-events')!;
    expect(events.workflows).toEqual(events.baseWorkflows);
  });
});
