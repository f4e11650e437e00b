#!/usr/bin/env node
// The `tempest` command: runs the TypeScript CLI through tsx, so no build step stands between a change and a run.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
