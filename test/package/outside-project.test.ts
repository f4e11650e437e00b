/**
 * tempest from outside this repository, as a team would use it: pack it, install the tarball into a separate
 * project (test/fixtures/trip-booking, a trip-booking saga with its own service and database, written only against
 * the public API), and prove there: its types, its time-skipping suite through tempest/vitest (and tempest/testing's
 * testWorkflow), replay of histories recorded from it and a changed workflow caught, a chaos scenario that holds and
 * a seeded bug caught with evidence from its seed, and a benchmark run and comparison.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

const work = mkdtempSync(path.join(os.tmpdir(), 'tempest-outside-'));
const project = path.join(work, 'trip-booking');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment a user's shell would have: none of this test run's vitest variables. */
const userEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'),
  ),
  NO_COLOR: '1', // plain text to read
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run a command in the project, as a user at its root would. */
function run(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Ran {
  const started = performance.now();
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd: options.cwd ?? project,
    env: userEnv,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`[outside] ${command} ${args.join(' ')}: exit ${result.status} in ${seconds.toFixed(1)} s`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, seconds };
}

/** `npx tempest ...` in the project: the installed package's command, never a download. */
const tempest = (...args: string[]): Ran => run('npx', ['--no', '--', 'tempest', ...args]);

let tarball = '';

beforeAll(() => {
  tarball = inject('tarball');
  console.log(`[outside] tarball ${path.basename(tarball)}: ${(statSync(tarball).size / 1024).toFixed(0)} KB`);

  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'trip-booking'), project, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|\.tempest|replay-histories)([/\\]|$)/.test(source),
  });
  const installed = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball]);
  expect(installed.code, installed.stderr).toBe(0);
  const setup = tempest('setup');
  expect(setup.code, setup.stderr).toBe(0);
  expect(setup.stdout).toContain('toolchain ready');
}, 900_000);

describe('tempest installed into a separate project', () => {
  it('is a typed package: the project typechecks against its .d.ts, and its command answers', () => {
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules', 'tempest', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(manifest.exports)).toEqual([
      '.',
      './testing',
      './interleave',
      './vitest',
      './replay',
      './chaos',
      './bench',
      './package.json',
    ]);
    const typecheck = run('npx', ['--no', 'tsc', '--noEmit']);
    expect(typecheck.code, typecheck.stdout).toBe(0);
    expect(tempest('--version').stdout.trim()).toBe('0.1.0');
  });

  it('tests its workflows in virtual time through tempest/vitest (its own service started once, a time-skipping server per file)', () => {
    const tests = run('npx', ['--no', 'vitest', 'run']);
    expect(tests.code, `${tests.stdout}\n${tests.stderr}`).toBe(0);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    // Among them, testWorkflow from tempest/testing: activity doubles, actions at moments of the run, replay at the end.
    expect(tests.stdout).toMatch(/✓ test\/workflow-doubles\.test\.ts \(2 tests\)/);
  });

  it('replays histories recorded from it, and catches a workflow change that breaks them', () => {
    const recorded = run('node', ['--import', 'tsx', 'scripts/produce-histories.ts']);
    expect(recorded.code, recorded.stderr).toBe(0);
    const clean = tempest('replay');
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(/\d+ histories: (\d+) passed, 0 non-deterministic/);
    const changed = tempest('replay', '--workflows', 'src/workflows-changed.ts');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/NONDET .*non-deterministic at event \d+/);
  });

  it('holds every invariant under a chaos scenario, and catches its seeded bug with evidence, the same from the same seed', () => {
    const list = tempest('chaos', 'list');
    expect(list.code, list.stderr).toBe(0);
    const good = tempest('chaos', 'run', 'answers-lost-inventory-killed', '--seed', '1');
    expect(good.code, `${good.stdout}\n${good.stderr}`).toBe(0);
    expect(good.stdout).toContain('every invariant held');

    // The seeded bug: a release whose idempotency key changes per attempt gives a hold back twice when its answer is lost.
    const buggy = (): Ran =>
      tempest(
        'chaos',
        'run',
        'cancellations-lose-answers',
        '--seed',
        '7',
        '--activities',
        'src/activities-buggy.ts',
        '--report',
        `.tempest/bug-${Date.now()}`,
      );
    const first = buggy();
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(1);
    const failing = (ran: Ran): string[] => ran.stdout.split('\n').filter((line) => line.startsWith('  FAIL '));
    expect(failing(first)).toEqual(['  FAIL inventory-conserved', '  FAIL released-at-most-once', '  FAIL trips-ended-validly']);
    // The evidence names the trip, the hold and each operation that gave it back, with its key.
    expect(first.stdout).toMatch(
      /trip t\d+ \(\S+\): hold \S+ of (flight|hotel|car) \S+ given back \d+ times by release(Flight|Hotel|Car): operation \d+ under key \S+:attempt-1/,
    );
    expect(first.stdout).toContain(
      'replay this run exactly: npx tempest chaos run cancellations-lose-answers --seed 7 --activities src/activities-buggy.ts',
    );
    const again = buggy();
    expect(again.code).toBe(1);
    expect(failing(again)).toEqual(failing(first));
    // And the correct activities hold every invariant under the same scenario and seed.
    const correct = tempest('chaos', 'run', 'cancellations-lose-answers', '--seed', '7');
    expect(correct.code, correct.stdout).toBe(0);
  });

  it('benchmarks its workloads, and judges its code A/B in one run', () => {
    const bench = tempest('bench', 'run', '--quick', '--suite', 'throughput,baseline,retry-latency,time-skipping', '--out', 'a.json');
    expect(bench.code, bench.stderr).toBe(0);
    // Two quick reports cannot carry a wall-clock verdict (3 samples cannot see 10%): the gate says so, exit 2.
    const compared = tempest('bench', 'compare', 'a.json', 'a.json', '--alpha', '0.2', '--markdown', 'compare.md');
    expect(compared.code, compared.stderr).toBe(2);
    expect(compared.stdout).toContain('⚠ cannot judge');
    // A/B against its own tree: counted costs equal, wall clock not judged from --quick's 4 pairs: a pass.
    const ab = tempest('bench', 'run', '--base', '.', '--quick', '--out', 'ab.json');
    expect(ab.code, ab.stderr).toBe(0);
    expect(ab.stdout).toContain('no significant regression');
  });
});
