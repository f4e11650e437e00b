// For the repository's own scripts: `node --import ./scripts/register.mjs scripts/<name>.ts`. TypeScript loads
// through tsx, and `tempest/...` imports resolve to the sources in src/, as they do for the CLI (bin/tempest.mjs).
import { register } from 'node:module';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
registerCommonJs();
register('./source-hooks.mjs', import.meta.url);
