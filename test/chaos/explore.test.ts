/**
 * `tempest chaos explore` on the local cluster, end to end: it finds the deposit whose idempotency key changes on
 * every attempt (the shipped buggy fixture) with one cluster for every schedule, places its faults at the points a
 * fault-free run passed, shrinks the failure to a schedule that reads like the bug, says how often that schedule fails
 * again (every time: a fault at a point lands there every run), and every command it prints runs as printed.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, tempestSync } from '../support/cli';

const buggyDeposit = path.join('test', 'fixtures', 'chaos', 'deposit-key-per-attempt.ts');

/** The command after `label` in explore's output, as words (it prints `npx tempest ...`; the tests run bin/tempest). */
function printed(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  expect(line, `explore printed no "${label}" line:\n${stdout}`).toBeDefined();
  const words = line!.slice(label.length).trim().split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', 'tempest']);
  return words.slice(2);
}

describe('tempest chaos explore', () => {
  let report: string;
  let explored: CliResult;
  let startedAt: number;
  let minutes: number;
  beforeAll(() => {
    report = mkdtempSync(path.join(os.tmpdir(), 'tempest-explore-'));
    startedAt = Date.now();
    explored = tempestSync([
      'chaos',
      'explore',
      'deposit-answer-lost',
      '--activities',
      buggyDeposit,
      '--seed',
      '1',
      '--runs',
      '20',
      '--reruns',
      '5',
      '--time-limit',
      '300',
      '--report',
      report,
    ]);
    minutes = (Date.now() - startedAt) / 60_000;
    console.log(`explore found and shrank the per-attempt key in ${minutes.toFixed(1)} min`);
  }, 600_000);

  it('finds the deposit whose key changes per attempt, shrinks it to a schedule that reads like the bug, and it fails again every time', () => {
    expect(explored.code, explored.stderr.slice(-3000)).toBe(1);
    expect(explored.stderr).toMatch(/^points the workload passes: .*deposit \d+.* attempts; worker-bank: .*POST \/deposit \d+/m);
    const found = explored.stderr.match(/^schedule (\d+): VIOLATED: [^\n]*money-conserved/m);
    expect(found, explored.stderr.slice(-3000)).not.toBeNull();
    console.log(`the first violation came with schedule ${found![1]}`);
    expect(explored.stdout).toContain('An invariant broke. Smallest fault schedule found');
    expect(explored.stdout).toMatch(
      /^ {2}(the answer to POST \/deposit #1 on worker-bank lost after the part applied it|kill -9 the worker right after the 1st deposit attempt returned, before its completion reached Temporal, for \S+)$/m,
    );
    expect(explored.stdout).toContain('Re-ran it 5 more times: it broke an invariant 5 of 5 times.');
  });

  it('runs every schedule on one cluster, and keeps little of the schedules that held', () => {
    expect(explored.stderr.match(/^local cluster up in/gm)).toHaveLength(1);
    const schedules = readdirSync(report).filter((name) => name.startsWith('schedule-'));
    expect(schedules.length).toBeGreaterThan(1);
    expect(readdirSync(report)).toEqual(expect.arrayContaining(['cluster', 'minimal-scenario.ts']));
    expect(existsSync(path.join(report, 'cluster', 'parts'))).toBe(false); // the parts' databases are not kept
    expect(existsSync(path.join(report, 'cluster', 'logs'))).toBe(true);
    for (const schedule of schedules) expect(existsSync(path.join(report, schedule, 'cluster')), schedule).toBe(false);
  });

  it('prints commands that run as printed: the smallest schedule as a scenario file, and fast-check’s case', () => {
    for (const label of ['Run it again:', "Run fast-check's case:"]) {
      const args = printed(explored.stdout, label);
      expect(args).toEqual(expect.arrayContaining(['--activities', buggyDeposit]));
      const again = tempestSync([
        ...args,
        ...(args[1] === 'explore'
          ? ['--reruns', '1', '--report', path.join(report, 'again')]
          : ['--report', path.join(report, 'run-again')]),
      ]);
      // The smallest schedule breaks the invariant again, and fast-check's case is that schedule again.
      expect(again.code, `${label} ${args.join(' ')}\n${again.stderr.slice(-2000)}`).toBe(1);
      expect(again.stdout).toMatch(args[1] === 'explore' ? /An invariant broke/ : /FAIL money-conserved/);
    }
  }, 600_000);
});
