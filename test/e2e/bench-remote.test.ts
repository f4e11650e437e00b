/**
 * A benchmark spread over processes as over hosts: `tempest bench worker` processes join a run through the cluster
 * (the dev server this project's tests share, standing for a team's cluster), `tempest bench drive` finds them,
 * drives the load and writes one report with what each process measured and where, saying the cluster was shared.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempestContext } from 'tempest/vitest';
import type { BenchReport } from '../../src/features/bench/report';
import { TEMPEST_BIN, tempestAsync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-remote-'));
const CONFIG = ['--config', path.join(REPO_ROOT, 'test', 'fixtures', 'bench', 'tempest.config.ts')];
let cluster: string[];
const workers: ChildProcess[] = [];

beforeAll(() => {
  const { devServer, parts } = tempestContext();
  cluster = ['--address', devServer!.address, ...Object.entries(parts!).flatMap(([name, part]) => ['--part', `${name}=${part.address}`])];
});
afterAll(() => {
  for (const worker of workers) worker.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A `tempest bench worker` of the run in the background; resolves with its exit code. */
function startWorker(run: string, id: string): Promise<number | null> {
  const child = spawn(process.execPath, [TEMPEST_BIN, 'bench', 'worker', '--run', run, '--worker-id', id, ...cluster, ...CONFIG], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('tempest bench drive with two bench worker processes (closed loop, quick)', () => {
  it('measures through both, reports each worker with its machine and CPU, and ends the run, which stops them', async () => {
    const run = `remote-${process.pid}`;
    const exits = [startWorker(run, 'w1'), startWorker(run, 'w2')];
    const out = path.join(dir, 'closed.json');

    const drive = await tempestAsync(
      ['bench', 'drive', '--run', run, '--workers', '2', '--quick', '--concurrency', '1,4', '--out', out, ...cluster, ...CONFIG],
      { cwd: dir },
    );

    expect(drive.code, drive.stderr).toBe(0);
    expect(await Promise.all(exits)).toEqual([0, 0]);
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.run.cluster).toMatchObject({ kind: 'external', shared: true });
    const reported = report.run.processes!.filter((p) => p.role === 'worker');
    expect(reported.map((p) => p.id)).toEqual(['worker-w1', 'worker-w2']);
    for (const worker of reported) {
      expect(worker.environment!.cpuCores).toBe(os.cpus().length);
      expect(worker.cpuMs).toBeGreaterThan(0);
    }
    expect(report.benchmarks.map((b) => b.id)).toContain('costs/moneyTransfer/c4/worker-cpu');
    const activities = report.counted!.find((c) => c.name === 'moneyTransfer/activity-executions')!;
    expect(activities.workflows).toEqual({ '2': Object.values(activities.workflows)[0] });
  });
});

describe('tempest bench drive --rates (open loop, one worker)', () => {
  it('holds each rate, says whether it kept up and where p95 left its plateau', async () => {
    const run = `open-${process.pid}`;
    const exit = startWorker(run, 'w1');
    const out = path.join(dir, 'open.json');

    const drive = await tempestAsync(
      ['bench', 'drive', '--run', run, '--rates', '2,4', '--hold', '3', '--quick', '--out', out, ...cluster, ...CONFIG],
      { cwd: dir },
    );

    expect(drive.code, drive.stderr).toBe(0);
    expect(await exit).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    const levels = report.run.openLoop![0]!.levels;
    expect(levels[0]).toMatchObject({ rate: 2, started: 6 });
    expect(drive.stdout).toMatch(/Highest rate kept up with: (none|\d+\/s); p95 left its plateau at: /);
  });
});
