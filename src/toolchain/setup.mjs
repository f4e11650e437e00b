#!/usr/bin/env node
// Bootstrap for a fresh clone: installs the npm dependencies when package-lock.json changed since the last
// install, then the pinned binaries (toolchain/install.ts). Plain Node, no dependencies, so it runs
// before node_modules exists. Fast when everything is already in place.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = path.join(root, 'node_modules', '.tempest-lock-sha256');
const lockHash = createHash('sha256').update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    console.error(`tempest setup: \`${command} ${args.join(' ')}\` could not start: ${result.error.message}`);
    process.exit(2);
  }
  if (result.status !== 0) {
    console.error(`tempest setup: \`${command} ${args.join(' ')}\` failed with exit code ${result.status}`);
    process.exit(result.status ?? 2);
  }
}

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log('tempest setup: installing npm dependencies from package-lock.json');
  // Not `npm ci`: its strict check wants every platform's optional @swc/core binary in the lock file, and some
  // registries (mirrors) carry only some platforms. `npm install` installs exactly the locked versions too.
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stamp, lockHash);
}
run(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'toolchain', 'install.ts'), ...process.argv.slice(2)]);
