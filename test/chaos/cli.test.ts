import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { TEMPEST_BIN, tempestSync } from '../support/cli';

const tempest = (...args: string[]) => tempestSync(args);
const fixture = (name: string): string => path.join('test', 'fixtures', 'chaos', `${name}.ts`);

/** Processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '--', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('tempest chaos', () => {
  it('lists the catalogue', () => {
    const { code, stdout } = tempest('chaos', 'list', '--json');
    expect(code).toBe(0);
    const names = (JSON.parse(stdout) as { name: string }[]).map((s) => s.name);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(names).toEqual(expect.arrayContaining(['server-crash-restart', 'activity-bug-fixed-by-deploy', 'bank-responses-lost']));
  });

  it.each([
    [
      ['chaos', 'run', fixture('bad-link-scenario')],
      `${fixture('bad-link-scenario')}: faults[0].action.link: expected one of worker-temporal, client-temporal, worker-bank, worker-store, got "worker-db"`,
    ],
    [['chaos', 'run', 'no-such-scenario'], 'no scenario named no-such-scenario in scenarios (known: '],
    [['chaos', 'run', 'steady-state', '--seed', 'abc'], "--seed must be a whole number from 0 to 4294967295, got 'abc'"],
    [
      ['chaos', 'run', 'steady-state', '--cluster', 'kubernetes'],
      "--cluster must be local, services, docker or external, got 'kubernetes'",
    ],
    [['chaos', 'run', 'steady-state', '--cluster', 'external'], '--cluster external needs --address <host:port>'],
    [['chaos', 'run', 'steady-state', '--network', 'bridge'], '--network is for --cluster docker, not local'],
    [['chaos', 'run', 'steady-state', '--cluster', 'docker', '--tls-ca', 'ca.pem'], '--tls-ca is for --cluster external, not docker'],
    [
      ['chaos', 'run', 'steady-state', '--cluster', 'external', '--address', '127.0.0.1:1', '--tls-cert', 'c.pem'],
      '--tls-cert and --tls-key go together',
    ],
    [['chaos', 'run', 'steady-state', '--cluster', 'docker', '--network', 'overlay'], "--network must be host or bridge, got 'overlay'"],
    [['chaos', 'run', 'steady-state', '--activities', 'nope.ts'], '--activities nope.ts: no such file'],
    [['chaos', 'run', '--all', '--keep-running'], '--keep-running keeps the cluster of one scenario: name one, not --all'],
    [
      ['chaos', 'run', 'temporal-history-killed'],
      'cluster: scenario temporal-history-killed faults the inside of a Temporal cluster: run it with --cluster services (this run has local)',
    ],
    [['chaos', 'explore', 'postgres-stalled', '--cluster', 'docker'], 'run it with --cluster services (this run has docker)'],
    [
      ['chaos', 'run', 'server-crash-restart', '--cluster', 'services'],
      "faults[0]: kill -9 temporal needs the Temporal dev server as one process ('temporal'), which the services cluster does not offer",
    ],
  ])('exits 2 with one line naming what is wrong: %j', (args, message) => {
    const { code, stderr } = tempest(...args);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it('runs a scenario file, exits 0, and writes the report, the plan, the operation history (also in Jepsen’s shape) and the histories', () => {
    const report = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-cli-'));
    const { code, stdout } = tempest('chaos', 'run', fixture('tiny-scenario'), '--seed', '9', '--report', report);

    expect(code).toBe(0);
    // The command replays the run as printed: the scenario named as it was given (a file here), the same seed.
    expect(stdout).toContain(`every invariant held; replay this run exactly: npx tempest chaos run ${fixture('tiny-scenario')} --seed 9`);
    const json = JSON.parse(readFileSync(path.join(report, 'report.json'), 'utf8')) as {
      schema: string;
      ok: boolean;
      seed: number;
      timeline: { faults: unknown[] };
    };
    expect(json).toMatchObject({ schema: 'tempest.chaos/v1', ok: true, seed: 9 });
    expect(json.timeline.faults).toHaveLength(1);
    for (const file of ['report.html', 'plan.json', 'history.jsonl']) expect(existsSync(path.join(report, file)), file).toBe(true);
    const history = readFileSync(path.join(report, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; process: string });
    expect(history.filter((e) => e.process.startsWith('client-') && e.type === 'invoke')).toHaveLength(6);
    expect(history.some((e) => e.process === 'nemesis')).toBe(true);
    // The same history in Jepsen's shape, as elle-cli reads it: one JSON array of operation maps.
    const jepsen = JSON.parse(readFileSync(path.join(report, 'history.elle.json'), 'utf8')) as {
      index: number;
      type: string;
      f: string;
      process: number | string;
      time: number;
    }[];
    expect(jepsen.map((op) => op.index)).toEqual(jepsen.map((_, i) => i));
    expect(jepsen.filter((op) => typeof op.process === 'number' && op.type === 'invoke' && op.f === 'transfer')).toHaveLength(6);
    expect(jepsen.filter((op) => op.process === 'nemesis').every((op) => op.type === 'info')).toBe(true);
  });

  it('stops the whole cluster and exits 130 on Ctrl-C mid-run, leaving no process behind', async () => {
    const report = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-int-'));
    const child = spawn(process.execPath, [TEMPEST_BIN, 'chaos', 'run', 'steady-state', '--seed', '1', '--report', report], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let runningAtInterrupt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('operations (concurrency') && runningAtInterrupt === 0) {
        runningAtInterrupt = processesMentioning(path.basename(report)).length;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(130);
    expect(runningAtInterrupt).toBeGreaterThanOrEqual(6); // temporal, toxiproxy, bank, store, two workers
    // Every process of the run carries its (partial) report directory, the cluster's data dir, on its command line.
    expect(processesMentioning(path.basename(report))).toEqual([]);
    // An interrupted run leaves no report, and no partial one beside it.
    expect(readdirSync(report)).toEqual([]);
    expect(readdirSync(path.dirname(report)).filter((entry) => entry.startsWith(`.${path.basename(report)}.partial-`))).toEqual([]);
  });

  it('keeps the cluster and its Web UI up after the report with --keep-running, until Ctrl-C stops everything', async () => {
    const report = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-keep-'));
    const child = spawn(
      process.execPath,
      [TEMPEST_BIN, 'chaos', 'run', fixture('tiny-scenario'), '--seed', '3', '--keep-running', '--report', report],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    const kept = new Promise<{ ui: number; running: number; reportWritten: boolean }>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const ui = /the cluster keeps running: Temporal Web UI (http:\/\/127\.0\.0\.1:\d+); press Ctrl-C to stop it/.exec(stderr);
        if (ui) {
          child.stderr.removeAllListeners('data');
          void fetch(ui[1]!).then((response) =>
            resolve({
              ui: response.status,
              running: processesMentioning(path.basename(report)).length,
              reportWritten: existsSync(path.join(report, 'report.json')),
            }),
          );
        }
      });
    });
    const state = await kept;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(state).toEqual({ ui: 200, running: expect.any(Number), reportWritten: true });
    expect(state.running).toBeGreaterThanOrEqual(5); // temporal, toxiproxy, bank, store, a worker
    expect(code).toBe(0); // the verdict's exit code: every invariant held
    expect(stdout).toContain('every invariant held');
    expect(processesMentioning(path.basename(report))).toEqual([]);
    expect(existsSync(path.join(report, 'report.json'))).toBe(true);
  });

  // The phases either side of the workload: the cluster still starting (it stops without waiting to come up), and
  // the settle (the run stops there: no checks, no verdict, never an exit 0 after "stopping" was said).
  it.each([
    ['while the cluster starts', /starting the local cluster/],
    ['while it settles', /waiting up to \d+ s for every workflow/],
  ])('stops on Ctrl-C %s: exit 130, no report, nothing left running', async (_, phase) => {
    const report = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-phase-'));
    const child = spawn(process.execPath, [TEMPEST_BIN, 'chaos', 'run', fixture('tiny-scenario'), '--seed', '2', '--report', report], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interruptedAt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (phase.test(stderr) && interruptedAt === 0) {
        interruptedAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(interruptedAt, stderr).toBeGreaterThan(0);
    expect(code, stderr).toBe(130);
    expect(stderr).not.toContain('every invariant held');
    expect(processesMentioning(path.basename(report))).toEqual([]);
    expect(readdirSync(report)).toEqual([]);
  });

  it('stops on Ctrl-C while it waits for a late fault ten minutes on, and the fault never fires', async () => {
    const report = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-late-'));
    const child = spawn(
      process.execPath,
      [TEMPEST_BIN, 'chaos', 'run', fixture('late-fault-scenario'), '--seed', '1', '--report', report],
      { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let interruptedAt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The workload is done: the run now only waits for the fault ten minutes on.
      if (/2\/2 operations done/.test(stderr) && interruptedAt === 0) {
        interruptedAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(130);
    expect(interruptedAt).toBeGreaterThan(0);
    console.log(`Ctrl-C to exit while waiting for a late fault: ${((Date.now() - interruptedAt) / 1000).toFixed(1)} s`);
    expect(stderr).not.toMatch(/fault f0: worker-bank down/);
    expect(processesMentioning(path.basename(report))).toEqual([]);
  });

  it('refuses a --report directory that holds something other than a tempest report, and leaves it alone', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-notreport-'));
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    const { code, stderr } = tempest('chaos', 'run', 'steady-state', '--seed', '1', '--report', dir);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`--report ${dir} exists and is not a tempest report`);
    expect(readdirSync(dir)).toEqual(['precious.txt']);
  });

  it('leaves nothing behind when the cluster cannot start (a bad TEMPEST_DOCKER_NETWORK)', () => {
    const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-nostart-')), 'report');
    const r = tempestSync(['chaos', 'run', 'steady-state', '--cluster', 'docker', '--seed', '1', '--report', report], {
      env: { TEMPEST_DOCKER_NETWORK: 'overlay' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("docker cluster: TEMPEST_DOCKER_NETWORK must be host or bridge, got 'overlay'");
    expect(readdirSync(path.dirname(report))).toEqual([]); // no report, no partial one
  });
});
