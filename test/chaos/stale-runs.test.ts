import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupStaleRuns, identifyProcess, RunRegistry, type RunRecord } from '../../src/base/harness/run-registry';
import { startProcess } from '../../src/base/harness/process';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-stale-'));
const stateDir = path.join(root, 'state');
const runsDir = path.join(stateDir, 'runs');
const bystanders: ChildProcess[] = [];

afterAll(async () => {
  for (const child of bystanders) child.kill('SIGKILL');
  await cleanupStaleRuns(stateDir); // in case the test failed half-way: no orphans either way
  rmSync(root, { recursive: true, force: true });
});

function bystander(): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  bystanders.push(child);
  return child;
}

function readRuns(): { file: string; record: RunRecord }[] {
  return readdirSync(runsDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: path.join(runsDir, name), record: JSON.parse(readFileSync(path.join(runsDir, name), 'utf8')) as RunRecord }));
}

describe('cleanupStaleRuns: no orphans after a harness is killed with -9', () => {
  it('kills every process of a run whose harness was SIGKILLed, and leaves live runs and unrelated processes alone', async () => {
    // A live run (this process is its harness) with a process of its own: not stale.
    const liveProcess = bystander();
    const liveRun = RunRegistry.open(stateDir, path.join(root, 'live-run'));
    liveRun.recorder('worker-1')({ pid: liveProcess.pid!, command: 'sleep', args: ['300'] });
    // A harness that starts a cluster and is killed with -9 before it can stop anything.
    // (The cluster's start leaves the live run alone.)
    const killedDataDir = path.join(root, 'killed-run');
    const { process: harness } = await startProcess({
      name: 'harness to be killed',
      command: process.execPath,
      args: [
        '--import',
        './scripts/register.mjs',
        path.join(PROJECT_ROOT, 'test/fixtures/chaos/start-cluster-then-hang.ts'),
        killedDataDir,
        stateDir,
      ],
      cwd: PROJECT_ROOT,
      readyTimeoutMs: 90_000,
      readyWhen: (probe) => probe.line((line) => (line.includes('"cluster-started"') ? true : undefined)),
    });
    const killedRun = readRuns().find((run) => run.record.harness.pid === harness.pid)!;
    const orphans = Object.entries(killedRun.record.processes);
    expect(orphans.map(([name]) => name).sort()).toEqual(['bank', 'store', 'temporal', 'toxiproxy', 'worker-1']);
    // A dead run whose recorded pid now belongs to another program (same pid, other start time): never killed.
    // Written only now, because starting a cluster cleans up stale runs itself.
    const reusedPid = bystander();
    const reused = identifyProcess(reusedPid.pid!)!;
    mkdirSync(runsDir, { recursive: true });
    const deadRun: RunRecord = {
      dataDir: path.join(root, 'dead-run'),
      harness: { pid: reused.pid, startedAt: 'long ago', commandLine: 'node harness' },
      processes: { 'worker-1': { ...reused, startedAt: 'long ago' } },
    };
    writeFileSync(path.join(runsDir, 'dead-run.json'), JSON.stringify(deadRun));

    harness.signal('SIGKILL');
    await harness.exited;
    for (const [name, { pid }] of orphans) expect(identifyProcess(pid), `${name} outlived its harness`).toBeDefined();

    const cleanups = await cleanupStaleRuns(stateDir);

    expect(
      cleanups
        .map((c) => ({ dataDir: c.dataDir, killed: c.killed.map((k) => k.name).sort() }))
        .sort((a, b) => a.dataDir.localeCompare(b.dataDir)),
    ).toEqual([
      { dataDir: deadRun.dataDir, killed: [] },
      { dataDir: killedDataDir, killed: ['bank', 'store', 'temporal', 'toxiproxy', 'worker-1'] },
    ]);
    for (const [name, { pid }] of orphans) expect(identifyProcess(pid), `${name} (pid ${pid})`).toBeUndefined();
    expect(identifyProcess(liveProcess.pid!)).toBeDefined();
    expect(identifyProcess(reusedPid.pid!)).toBeDefined();
    expect(readRuns().map((run) => run.file)).toEqual([liveRun.file]);
    liveRun.close();
  });
});
