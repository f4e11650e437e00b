/**
 * The run registry records each process a cluster spawns, so that a later run can end them after the harness was
 * killed with -9. A process whose command line cannot be read yet (its exec still under way) is recorded once it
 * can be, never dropped; a pending read stops when the run closes or the name is spawned again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { identifyProcess, type ProcessIdentity, RunRegistry, type RunRecord } from '../../src/base/harness/run-registry';

const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-registry-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function sleeper(): number {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

/** Identities as the kernel gives them, except that each pid's first `blank` reads find no command line yet. */
function identifyAfter(blank: number): { identify: (pid: number) => ProcessIdentity | undefined; reads: Map<number, number> } {
  const reads = new Map<number, number>();
  return {
    reads,
    identify: (pid) => {
      const n = (reads.get(pid) ?? 0) + 1;
      reads.set(pid, n);
      return n <= blank ? undefined : identifyProcess(pid);
    },
  };
}

const recorded = (registry: RunRegistry): RunRecord['processes'] =>
  (JSON.parse(readFileSync(registry.file, 'utf8')) as RunRecord).processes;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

it('records a process whose command line is not readable at first, once it is', async () => {
  const { identify, reads } = identifyAfter(3);
  const registry = RunRegistry.open(path.join(root, 'a'), path.join(root, 'a-data'), { identify });
  const pid = sleeper();
  registry.recorder('toxiproxy')({ pid, command: 'sleep', args: ['300'] });
  expect(recorded(registry)).toEqual({});
  await until(() => 'toxiproxy' in recorded(registry));
  expect(recorded(registry).toxiproxy).toMatchObject({ pid, commandLine: 'sleep 300' });
  expect(reads.get(pid)).toBe(4);
  registry.close();
});

it('stops reading when the run closes, and when the name is spawned again (the newer process is the one recorded)', async () => {
  const { identify, reads } = identifyAfter(5);
  const stateDir = path.join(root, 'b');
  const registry = RunRegistry.open(stateDir, path.join(root, 'b-data'), { identify });
  const first = sleeper();
  const second = sleeper();
  registry.recorder('worker-1')({ pid: first, command: 'sleep', args: ['300'] });
  registry.recorder('worker-1')({ pid: second, command: 'sleep', args: ['300'] });
  await until(() => 'worker-1' in recorded(registry));
  expect(recorded(registry)['worker-1']!.pid).toBe(second);
  expect(reads.get(first)).toBe(1);

  const third = sleeper();
  registry.recorder('worker-2')({ pid: third, command: 'sleep', args: ['300'] });
  registry.close();
  await until(() => (reads.get(third) ?? 0) >= 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(reads.get(third)).toBe(1);
  expect(readdirSync(path.join(stateDir, 'runs'))).toEqual([]);
});
