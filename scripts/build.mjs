#!/usr/bin/env node
// Build the package: src/ to dist/ (JavaScript with .d.ts types, relative imports rewritten to .js), plus the files
// the code reads at run time. `npm pack` runs it (prepack).
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  console.error('build: tsc failed (see above)');
  process.exit(tsc.status ?? 2);
}
for (const file of ['manifest.json', 'frozen-clock.c'])
  cpSync(path.join(root, 'src', 'base', 'toolchain', file), path.join(root, 'dist', 'base', 'toolchain', file));
console.log('build: dist/ written');
