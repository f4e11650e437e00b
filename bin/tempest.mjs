#!/usr/bin/env node
// The `tempest` command: runs the TypeScript CLI through tsx, so no build step stands between a change and a run.
import { register } from 'tsx/esm/api';

// grpc-js sets the TLS server name to the address even when it is an IP (127.0.0.1 through a local proxy), and
// Node warns about that on every connection; the warning says nothing a user can act on.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0123') return;
  emitWarning.call(process, warning, ...rest);
};

register();
await import('../src/cli/main');
