import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/toolchain/tools';

/** Every file under services/, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('services/', () => {
  it('holds TypeScript sources only: no compiled .js beside a .ts, which an extensionless import would load instead', () => {
    const servicesDir = path.join(PROJECT_ROOT, 'services');
    expect(filesUnder(servicesDir).filter((file) => /\.(js|js\.map|d\.ts)$/.test(file))).toEqual([]);
  });
});
