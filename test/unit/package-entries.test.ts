/**
 * The built package loads in plain Node, as a team's own test runner (vitest externalises node_modules) and scripts
 * load it: no TypeScript loader resolves an import for it, so every import of another package's file must name
 * the file exactly (`@temporalio/common/lib/time.js`, not `.../time`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

/** The package's library entries (`exports` but package.json), each a built file. */
const entries = Object.entries(
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).exports as Record<string, { default?: string }>,
)
  .filter(([, target]) => target.default !== undefined)
  .map(([name, target]) => ({
    name: name === '.' ? 'tempest' : `tempest/${name.slice(2)}`,
    file: target.default!.replace(/^\.\/dist\//, ''),
  }));

describe('the built package', () => {
  // Built inside the repository, so its imports find this repository's node_modules as an installed package's would.
  let dist: string;
  beforeAll(() => {
    mkdirSync(path.join(REPO_ROOT, '.tempest'), { recursive: true });
    dist = mkdtempSync(path.join(REPO_ROOT, '.tempest', 'built-'));
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        path.join(REPO_ROOT, 'tsconfig.build.json'),
        '--outDir',
        dist,
        '--sourceMap',
        'false',
      ],
      { cwd: REPO_ROOT },
    );
  }, 180_000);
  afterAll(() => {
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it.each(entries)('loads $name in Node with no loader', ({ file }) => {
    const loaded = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(path.join(dist, file))}); console.log(Object.keys(m).length > 0)`,
      ],
      { encoding: 'utf8' },
    );

    expect(loaded.trim()).toBe('true');
  });
});
