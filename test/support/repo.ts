/** This repository's root: where the tests find the packaged examples and fixtures. */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** The packaged workflows module, as tempest.config.ts names it. */
export const PACKAGED_WORKFLOWS = `${REPO_ROOT}/workflows/index.ts`;
