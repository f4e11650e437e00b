/**
 * The two sides of an A/B run: which code each side's workers run. The head is the project in the working
 * directory (with `--workflows`/`--activities` if given); the base is either other modules of the same tree
 * (`--base-activities`, `--base-workflows`) or the same project at another version: a git ref, checked out into the
 * run's data directory (a worktree, removed with the run), or a directory holding such a checkout already (CI that
 * has one). Only the head's tempest runs: the base contributes its workflows, activities and config.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HarnessError, UsageError } from '../../base/errors.ts';

export type SideRole = 'base' | 'head';

/** One side of an A/B run. */
export interface BenchSide {
  role: SideRole;
  /** What the user named: a git ref, a directory, a module, or `working tree`. */
  label: string;
  /** The project root the side's worker runs in: its relative imports and node_modules resolve there. */
  root: string;
  workflowsPath: string;
  activitiesPath: string;
  gitSha: string;
  gitDirty: boolean | null;
}

/** A checkout of the project at another version, and how to remove it (a no-op for a directory the user gave). */
export interface BaseCheckout {
  /** The project's root inside the checkout (the same place relative to the repository as the head's). */
  projectRoot: string;
  gitSha: string;
  gitDirty: boolean | null;
  remove(): void;
}

function git(cwd: string, args: string[]): string | undefined {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The commit and uncommitted changes of a checkout ('unknown' and null outside git). */
export function gitState(root: string): { gitSha: string; gitDirty: boolean | null } {
  const status = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return { gitSha: git(root, ['rev-parse', 'HEAD']) ?? 'unknown', gitDirty: status === undefined ? null : status.length > 0 };
}

/**
 * `--base <ref | dir>`: an existing directory is used as it is (the project's root is found at the same place
 * relative to its repository as the head's); anything else must be a git ref of the head's repository, checked out
 * detached into `<dataDir>/base`. Its node_modules are the head's (a symlink) when the lock files are the same, else
 * installed with `npm ci --ignore-scripts` (said in progress, with how long it took).
 */
export function checkOutBase(projectRoot: string, base: string, dataDir: string, progress: (line: string) => void): BaseCheckout {
  const top = git(projectRoot, ['rev-parse', '--show-toplevel']);
  const inRepo = top ? path.relative(top, projectRoot) : '';
  if (existsSync(base) && statSync(base).isDirectory()) {
    const baseTop = git(base, ['rev-parse', '--show-toplevel']) ?? path.resolve(base);
    const root = path.join(baseTop, inRepo);
    if (!existsSync(root)) throw new UsageError(`--base ${base}: has no ${inRepo || '.'} (where the project is in the head's repository)`);
    return { projectRoot: root, ...gitState(root), remove: () => undefined };
  }
  if (!top) throw new UsageError(`--base ${base}: no such directory, and ${projectRoot} is not in a git repository to check a ref out of`);
  const sha = git(top, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (!sha) throw new UsageError(`--base ${base}: neither a directory nor a git ref of ${top} (git rev-parse --verify found no commit)`);
  const worktree = path.join(dataDir, 'base');
  try {
    execFileSync('git', ['worktree', 'add', '--detach', worktree, sha], { cwd: top, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new HarnessError(
      `--base ${base}: git worktree add failed: ${
        String((error as { stderr?: Buffer }).stderr ?? error)
          .trim()
          .split('\n')[0]
      }`,
    );
  }
  const remove = (): void => {
    spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: top, stdio: 'ignore' });
    spawnSync('git', ['worktree', 'prune'], { cwd: top, stdio: 'ignore' });
  };
  try {
    provideDependencies(top, worktree, inRepo, progress);
  } catch (error) {
    remove();
    throw error;
  }
  progress(`base: ${base} (${sha.slice(0, 10)}) checked out in ${worktree}`);
  return { projectRoot: path.join(worktree, inRepo), gitSha: sha, gitDirty: false, remove };
}

/** node_modules for the checkout: the head's when both lock files are the same, else a clean install. */
function provideDependencies(top: string, worktree: string, inRepo: string, progress: (line: string) => void): void {
  for (const dir of [...new Set(['', inRepo])]) {
    const [head, base] = [path.join(top, dir), path.join(worktree, dir)];
    if (!existsSync(path.join(head, 'node_modules')) || !existsSync(path.join(base, 'package.json'))) continue;
    const lock = (root: string): string | undefined =>
      existsSync(path.join(root, 'package-lock.json')) ? readFileSync(path.join(root, 'package-lock.json'), 'utf8') : undefined;
    if (lock(head) === lock(base)) {
      symlinkSync(path.join(head, 'node_modules'), path.join(base, 'node_modules'), 'dir');
      continue;
    }
    progress(`base: its package-lock.json differs from the head's: npm ci --ignore-scripts in ${base}`);
    const started = performance.now();
    const result = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: base,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new HarnessError(`--base: npm ci in ${base} failed: ${(result.stderr ?? '').trim().split('\n').at(-1)}`);
    progress(`base: npm ci took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}
