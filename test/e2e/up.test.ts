/**
 * `tempest up`: the project's own system locally (here the packaged bank and store), its addresses printed, up
 * until Ctrl-C; `--run` drives its workload once so `tempest histories record` has executions to record, and they
 * replay; a run killed with -9 is cleaned up by the next one, and Ctrl-C leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../src/base/harness/process';
import { tempestAsync, tempestRunning } from '../support/cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tempest-up-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIO = 'test/fixtures/chaos/tiny-scenario.ts';

/** The live processes whose command line holds `text` (the dev server's port, a part's data directory). */
function processesMentioning(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', '--', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const ports = async (): Promise<string[]> => ['--port', String(await freePort()), '--ui-port', String(await freePort())];

describe('tempest up', () => {
  it('after a run killed with -9, cleans up what it left; with --run, drives the workload once, whose executions record and replay; Ctrl-C stops everything', async () => {
    // A run killed with -9 while up leaves its dev server and parts running.
    const killed = tempestRunning(['up', ...(await ports())]);
    onTestFinished(() => killed.interrupt('SIGKILL')); // a no-op once killed below
    const state = (await killed.waitFor(/\(state in (\S+)\):/))[1]!;
    await killed.waitFor(/Up until Ctrl-C: open http:\/\/127\.0\.0\.1:\d+\./);
    expect(killed.output()).toMatch(/^ {2}Temporal +127\.0\.0\.1:\d+ \(namespace default\), Web UI http:\/\/127\.0\.0\.1:\d+$/m);
    expect(killed.output()).toMatch(/^ {2}bank +http:\/\/127\.0\.0\.1:\d+$/m);
    expect(killed.output()).toMatch(/^ {2}workers +task queues money-transfer, orders: workflows\/index\.ts, activities\/worker\.ts$/m);
    const orphans = processesMentioning(state);
    expect(orphans.length).toBeGreaterThanOrEqual(2); // the bank and the store, in their data directories
    killed.child.kill('SIGKILL'); // the harness alone, as a kill -9 of it does
    await killed.exit;
    expect(processesMentioning(state)).toEqual(orphans);

    const up = tempestRunning(['up', '--run', SCENARIO, '--seed', '5', ...(await ports())]);
    onTestFinished(() => up.interrupt('SIGINT')); // a no-op once stopped below
    const record = await up.waitFor(/^ {2}(npx tempest histories record --address (\S+) --query '' --limit (\d+))$/m, 180_000);
    const cleaned = /^cleaned up a run whose harness was killed \((\S+)\): (.*)$/m.exec(up.output());
    expect(cleaned?.[1]).toBe(state);
    expect(
      cleaned?.[2]!
        .split(', ')
        .map((p) => p.replace(/ \(pid \d+\)$/, ''))
        .sort(),
    ).toEqual(['bank', 'store', 'temporal']);
    expect(processesMentioning(state)).toEqual([]);
    expect(up.output()).toMatch(
      /^Driving the workload of bank-and-store once \(the workload of scenario .*tiny-scenario\.ts\), seed 5 \.\.\.$/m,
    );
    expect(up.output()).toMatch(/^6 workflows in [\d.]+ s: 6 completed\. Record their histories with$/m);

    const corpus = path.join(tmp, 'corpus');
    const recorded = await tempestAsync([
      'histories',
      'record',
      '--address',
      record[2]!,
      '--query',
      '',
      '--limit',
      record[3]!,
      '--out',
      corpus,
    ]);
    expect(recorded.code, recorded.stderr).toBe(0);
    const replayed = await tempestAsync(['replay', corpus]);
    expect(replayed.code, replayed.stdout).toBe(0);
    expect(replayed.stdout).toMatch(/^6 histories: 6 passed,/m);

    const upState = (up.output().match(/\(state in (\S+)\):/g) ?? []).at(-1)!.slice('(state in '.length, -2);
    up.interrupt('SIGINT');
    expect(await up.exit).toBe(0);
    expect(up.output()).toMatch(
      /Stopped: every server of bank-and-store ended \(the Web UI at http:\/\/127\.0\.0\.1:\d+ with them\), its state removed\./,
    );
    expect(processesMentioning(upState)).toEqual([]);
    expect(processesMentioning(`--port ${record[2]!.split(':')[1]}`)).toEqual([]);
  }, 300_000);

  it('refuses a port something listens on, and --seed without --run, in one line with exit 2, starting nothing', async () => {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const taken = await tempestAsync(['up', '--port', String(await freePort()), '--ui-port', String(port)]);
      expect([taken.code, taken.stderr]).toEqual([
        2,
        `tempest: --ui-port ${port}: something already listens there (another tempest up or Temporal dev server?); stop it, or pass --ui-port <another port>\n`,
      ]);
    } finally {
      listener.close();
    }
    const seed = await tempestAsync(['up', '--seed', '3']);
    expect([seed.code, seed.stderr]).toEqual([2, 'tempest: --seed plans the workload --run drives: give --run too\n']);
  });
});
