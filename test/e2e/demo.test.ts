import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const dataDirs: string[] = [];
afterAll(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function startDemo(...args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null>; dataDir: string } {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-demo-test-'));
  dataDirs.push(dataDir);
  // What `npm run demo` runs, after its setup.
  const child = spawn(process.execPath, ['--import', './scripts/register.mjs', 'scripts/demo.ts', '--data-dir', dataDir, ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit, dataDir };
}

/** Processes other than `except` whose command line mentions `text`: the demo's servers carry its data dir or port. */
function processesMentioning(text: string, except: number | undefined): string[] {
  try {
    const pids = execFileSync('pgrep', ['-f', '--', text], { encoding: 'utf8' }).trim().split('\n');
    return pids.filter((pid) => pid && Number(pid) !== except);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe('the demo (npm run demo): the packaged system through the public API', () => {
  it('runs every scenario as expected, conserves money and exits 0 (--json)', async () => {
    const demo = startDemo('--json');

    expect(await demo.exit).toBe(0);
    const summary = JSON.parse(demo.output()) as {
      moneyConserved: boolean;
      allAsExpected: boolean;
      outcomes: { outcome: string; expected: string }[];
      temporal: { webUi: string };
    };
    expect(summary.moneyConserved).toBe(true);
    expect(summary.allAsExpected).toBe(true);
    expect(summary.outcomes.map((o) => o.outcome)).toEqual([
      'completed',
      'failed',
      'failed',
      'completed',
      'completed',
      'failed',
      'completed',
    ]);
    expect(summary.temporal.webUi).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('removes its temporary state when it ends, and says the Web UI is gone with the servers', async () => {
    const child = spawn(process.execPath, ['--import', './scripts/register.mjs', 'scripts/demo.ts'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);
    const stateDir = /\(state in ([^)]+)\)/.exec(output)?.[1];
    expect(stateDir).toMatch(/tempest-local-/);
    expect(existsSync(stateDir!)).toBe(false);
    expect(output).toMatch(
      /Stopped: every server of bank-and-store ended \(the Web UI at http:\/\/127\.0\.0\.1:\d+ with them\), its state removed\.\nAdd --keep-running to keep the servers up and explore the Web UI\./,
    );
  });

  it('stops every server it started and exits 130 when interrupted mid-run', async () => {
    const demo = startDemo();
    while (!demo.output().includes('Running workflows')) {
      if (demo.child.exitCode !== null) expect.fail(`demo exited early:\n${demo.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const devServerPort = /Temporal +127\.0\.0\.1:(\d+)/.exec(demo.output())?.[1];
    expect(processesMentioning(demo.dataDir, demo.child.pid)).toHaveLength(2); // bank and store
    expect(processesMentioning(`--port ${devServerPort}`, demo.child.pid)).toHaveLength(1);

    demo.child.kill('SIGTERM');

    expect(await demo.exit).toBe(130);
    expect(demo.output()).toContain('demo: stopping');
    expect(demo.output()).toContain('Stopped: every server of bank-and-store ended');
    expect(processesMentioning(demo.dataDir, demo.child.pid)).toEqual([]);
    expect(processesMentioning(`--port ${devServerPort}`, demo.child.pid)).toEqual([]);
  });
});
