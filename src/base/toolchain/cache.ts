/**
 * tempest's per-user cache: the pinned binaries (`tempest setup`), built images and bundles, shared by every
 * project of the user. $TEMPEST_CACHE overrides it; otherwise $XDG_CACHE_HOME/tempest, or ~/.cache/tempest.
 */
import os from 'node:os';
import path from 'node:path';

export const CACHE_ENV = 'TEMPEST_CACHE';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_ENV]) return path.resolve(env[CACHE_ENV]);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tempest');
}
