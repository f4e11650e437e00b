/**
 * Where tempest itself is installed, and its own modules as files. Runs from source (src/base/*.ts, in this repository)
 * and from the built package (dist/base/*.js) alike: nothing here knows the user's project.
 */
import { fileURLToPath } from 'node:url';

/** The folder holding tempest's package.json (src/base/../.. or dist/base/../..). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** True when tempest runs from its TypeScript sources (this repository), false when built (an installed package). */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * One of tempest's own modules as a file path, relative to the module at `importMetaUrl` and without extension:
 * `.ts` from source, `.js` when built. For entry points of child processes and modules the bundler loads.
 */
export function ownModule(importMetaUrl: string, relative: string): string {
  return fileURLToPath(new URL(`${relative}${FROM_SOURCE ? '.ts' : '.js'}`, importMetaUrl));
}
