import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageReportDir } from '../../src/features/chaos/report-dir';
import { UsageError } from '../../src/base/errors.ts';

const scratch = (): string => mkdtempSync(path.join(os.tmpdir(), 'tempest-report-dir-'));

describe('a run report directory: whole or not at all', () => {
  it('writes into a hidden sibling and puts it in place on publish, replacing the previous report', () => {
    const parent = scratch();
    const target = path.join(parent, 'steady-state-1');
    mkdirSync(target);
    writeFileSync(path.join(target, 'report.json'), 'old');
    writeFileSync(path.join(target, 'stale-extra.txt'), 'from the old run');

    const staged = stageReportDir(target);
    expect(path.dirname(staged.dir)).toBe(parent);
    expect(path.basename(staged.dir)).toMatch(/^\.steady-state-1\.partial-\d+-/);
    writeFileSync(path.join(staged.dir, 'report.json'), 'new');
    expect(readFileSync(path.join(target, 'report.json'), 'utf8')).toBe('old'); // untouched until the run finished

    staged.publish();
    expect(readdirSync(target)).toEqual(['report.json']);
    expect(readFileSync(path.join(target, 'report.json'), 'utf8')).toBe('new');
    expect(readdirSync(parent)).toEqual(['steady-state-1']);
  });

  it('discard leaves the previous report as it was', () => {
    const target = path.join(scratch(), 'r');
    mkdirSync(target);
    writeFileSync(path.join(target, 'plan.json'), 'old');
    const staged = stageReportDir(target);
    writeFileSync(path.join(staged.dir, 'plan.json'), 'half');
    staged.discard();
    expect(existsSync(staged.dir)).toBe(false);
    expect(readFileSync(path.join(target, 'plan.json'), 'utf8')).toBe('old');
  });

  it('refuses a directory that is not a tempest report, and a file', () => {
    const parent = scratch();
    writeFileSync(path.join(parent, 'notes.txt'), 'mine');
    expect(() => stageReportDir(parent)).toThrow(UsageError);
    expect(() => stageReportDir(parent)).toThrow(`${parent} exists and is not a tempest report`);
    expect(() => stageReportDir(path.join(parent, 'notes.txt'))).toThrow(UsageError);
    expect(readdirSync(parent)).toEqual(['notes.txt']);
  });

  it('removes the partial directory a killed run left for the same target, not one of a live run', () => {
    const parent = scratch();
    const target = path.join(parent, 'r');
    const dead = path.join(parent, '.r.partial-999999999-abc'); // no such pid
    const live = path.join(parent, `.r.partial-${process.ppid}-abc`); // this test's parent runs
    const other = path.join(parent, '.other.partial-999999999-abc'); // another target's
    for (const dir of [dead, live, other]) mkdirSync(dir);
    const staged = stageReportDir(target);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    staged.discard();
  });
});
