#!/usr/bin/env node
// The `tempest` command. Installed, it runs the built JavaScript (dist/); in tempest's own repository, the
// TypeScript sources (src/) directly, so no build step stands between a change and a run. Either way tsx is
// registered first, so a project's own TypeScript (its config, system, scenarios, workloads) loads with no build
// step of theirs.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

// grpc-js sets the TLS server name to the address even when it is an IP (127.0.0.1 through a local proxy), and
// Node warns about that on every connection; the warning says nothing a user can act on.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0123') return;
  emitWarning.call(process, warning, ...rest);
};

// ES modules and CommonJS alike: a .ts file outside a "type": "module" package is CommonJS.
register();
registerCommonJs();
const source = new URL('../src/entries/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  // tempest's own repository: its examples import `tempest/...`, which means these sources, not a build.
  registerHooks('../scripts/source-hooks.mjs', import.meta.url);
  await import(source.href);
} else {
  await import('../dist/entries/cli/main.js');
}
