import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureEnvironment } from '../../src/features/bench/environment';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../src/base/harness/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-environment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });

describe('captureEnvironment', () => {
  it('says "uncommitted changes" only when a tracked file changed: an untracked one (a report, a log) is no change', () => {
    const repo = path.join(dir, 'repo');
    git(dir, 'init', '-q', repo);
    writeFileSync(path.join(repo, 'package-lock.json'), '{}\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'lock');

    const clean = captureEnvironment(repo).gitDirty;
    writeFileSync(path.join(repo, 'report.json'), '{}\n');
    const untracked = captureEnvironment(repo).gitDirty;
    writeFileSync(path.join(repo, 'package-lock.json'), '{ }\n');
    const changed = captureEnvironment(repo).gitDirty;

    expect([clean, untracked, changed]).toEqual([false, false, true]);
    expect(captureEnvironment(repo).gitSha).toBe(git(repo, 'rev-parse', 'HEAD').trim());
  });

  it('says unknown (null) outside a git checkout', () => {
    const plain = mkdtempSync(path.join(os.tmpdir(), 'tempest-not-git-'));
    try {
      expect(captureEnvironment(plain).gitDirty).toBeNull();
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('records the dynamic config every dev server of the run starts with', () => {
    const { devServerConfig } = captureEnvironment(dir);
    expect(devServerConfig).toEqual(DEV_SERVER_DYNAMIC_CONFIG);
    expect(devServerConfig).toMatchObject({
      'history.transferProcessorMaxPollRPS': 1000,
      'history.timerProcessorMaxPollRPS': 1000,
      'history.timerProcessorMaxTimeShift': '10ms',
    });
  });
});
