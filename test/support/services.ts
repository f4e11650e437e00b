/**
 * The packaged bank and store, started the one way tempest starts any part of a system: from the system's own
 * definition (chaos/system.ts), through the public `startPart`.
 */
import bankAndStore from '../../chaos/system';
import { type RunningPart, startPart } from '../../src/base/harness/parts';
import { freePort } from '../../src/base/harness/process';
import { REPO_ROOT } from './repo';

export interface RunningService extends RunningPart {
  url: string;
  port: number;
}

/** Start the bank or store on `port` (a free one when absent) with its database in `dataDir`. */
export async function startService(
  name: 'bank' | 'store',
  options: { dataDir: string; port?: number; logFile?: string },
): Promise<RunningService> {
  const port = options.port ?? (await freePort());
  const part = await startPart({
    name,
    spec: bankAndStore.parts[name]!,
    port,
    dataDir: options.dataDir,
    projectRoot: REPO_ROOT,
    logFile: options.logFile,
  });
  return { ...part, url: part.address.url, port };
}
