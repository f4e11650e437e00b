import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

/** Every file under `dir`, relative to the repository. */
function filesUnder(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)));
}

describe('the sources', () => {
  it('hold TypeScript only: no compiled .js beside a .ts, which an extensionless import would load instead', () => {
    const folders = ['src', 'workflows', 'activities', 'services', 'chaos', 'bench', 'scenarios', 'test'];
    const files = new Set(folders.flatMap(filesUnder));
    const compiled = [...files].filter(
      (file) => /\.(js\.map|d\.ts)$/.test(file) || (file.endsWith('.js') && files.has(file.replace(/\.js$/, '.ts'))),
    );
    expect(compiled).toEqual([]);
  });
});
