import { describe, expect, it } from 'vitest';
import { ControlledProcess, type PartHandle } from '../../src/features/chaos/cluster/controlled-process';

/** A part that takes `startMs` to start and dies on SIGKILL (pure stand-in: the logic under test is the ordering). */
function fakeLauncher(startMs: number) {
  const alive = new Set<number>();
  let nextPid = 1;
  const launch = async () => {
    await new Promise((resolve) => setTimeout(resolve, startMs));
    const pid = nextPid++;
    alive.add(pid);
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => (exit = resolve));
    const process: PartHandle = {
      get running() {
        return alive.has(pid);
      },
      pid,
      exited,
      signal: (signal) => {
        if (signal === 'SIGKILL') {
          alive.delete(pid);
          exit();
        }
      },
      stop: async () => {
        alive.delete(pid);
        exit();
      },
    };
    return { process };
  };
  return { launch, alive, launched: () => nextPid - 1 };
}

describe('ControlledProcess', () => {
  it('a kill that lands while the restart after an earlier kill is still starting kills the new process, and none is left untracked', async () => {
    const part = fakeLauncher(50);
    const worker = new ControlledProcess('worker-1', part.launch);
    await worker.start();
    await worker.kill();
    const restarting = worker.restart(); // the heal of the first kill
    const killing = worker.kill(); // the second kill, 0 ms later
    const healing = worker.restart(); // its heal
    await Promise.all([restarting, killing, healing]);

    expect(part.launched()).toBe(3);
    expect([...part.alive]).toEqual([3]); // only the process it tracks runs
    expect(worker.pid).toBe(3);
    await worker.stop();
    expect(part.alive.size).toBe(0);
  });

  it('two starts at once start it once; the second finds it running', async () => {
    const part = fakeLauncher(30);
    const worker = new ControlledProcess('worker-1', part.launch);
    const results = await Promise.allSettled([worker.start(), worker.start()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(part.launched()).toBe(1);
  });
});
