/**
 * `tempest chaos explore` on the local cluster, end to end: it finds the deposit whose idempotency key changes on
 * every attempt (the shipped buggy fixture) with one cluster for every schedule, shrinks the failure, says how often
 * the smallest schedule fails again, and every command it prints runs as printed.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, tempestSync } from '../support/cli';

const buggyDeposit = path.join('test', 'fixtures', 'chaos', 'deposit-key-per-attempt.ts');

/** The command after `label` in explore's output, as words (it prints `tempest ...`; the tests run bin/tempest). */
function printed(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(label));
  expect(line, `explore printed no "${label}" line:\n${stdout}`).toBeDefined();
  const words = line!.slice(label.length).trim().split(/\s+/);
  expect(words[0]).toBe('tempest');
  return words.slice(1);
}

describe('tempest chaos explore', () => {
  let report: string;
  let explored: CliResult;
  let startedAt: number;
  let minutes: number;
  beforeAll(() => {
    report = mkdtempSync(path.join(os.tmpdir(), 'tempest-explore-'));
    startedAt = Date.now();
    // Seed 90's first two schedules are five pulses of lost answers on the workers' link to the bank in the first
    // 2.2 s of the workload, when most operations are in flight (fc.sample of scheduleArbitrary shows them);
    // whether one lands on a deposit depends on the cluster's timing, so it takes a few schedules at most.
    explored = tempestSync([
      'chaos',
      'explore',
      'bank-responses-lost',
      '--activities',
      buggyDeposit,
      '--seed',
      '90',
      '--runs',
      '8',
      '--tries',
      '1',
      '--time-limit',
      '150',
      '--report',
      report,
    ]);
    minutes = (Date.now() - startedAt) / 60_000;
    console.log(`explore found and shrank the per-attempt key in ${minutes.toFixed(1)} min`);
  });

  it('finds the deposit whose key changes per attempt, shrinks it, and says how often the smallest schedule fails again', () => {
    expect(explored.code, explored.stderr.slice(-3000)).toBe(1);
    const found = explored.stderr.match(/^schedule (\d+): VIOLATED: [^\n]*money-conserved/m);
    expect(found, explored.stderr.slice(-3000)).not.toBeNull();
    console.log(`the first violation came with schedule ${found![1]}`);
    expect(explored.stdout).toContain('An invariant broke. Smallest fault schedule found');
    expect(explored.stdout).toMatch(/^ {2}\S.* at \d+ ms for \d+ ms$/m);
    expect(explored.stdout).toMatch(/Re-run 1 more time, it broke an invariant [01] of 1 times|Not re-run: the time limit came first/);
    // The time limit bounds the whole command (a schedule runs for about 20 s here; none starts that would not end in time).
    expect(minutes * 60).toBeLessThan(150 + 15);
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
          ? ['--tries', '1', '--report', path.join(report, 'again')]
          : ['--report', path.join(report, 'run-again')]),
      ]);
      expect([0, 1], `${label} ${args.join(' ')}\n${again.stderr.slice(-2000)}`).toContain(again.code);
      expect(again.stdout).toMatch(
        args[1] === 'explore' ? /fault schedules? of bank-responses-lost|An invariant broke/ : /money-conserved/,
      );
    }
  });
});
