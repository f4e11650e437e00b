/**
 * Toxiproxy, the TCP proxy that network faults go through: the pinned `toxiproxy-server` binary as a child
 * process on 127.0.0.1, ready once its HTTP API answers `GET /version`.
 */
import { Toxiproxy } from 'toxiproxy-node-client';
import { resolveTool } from '../toolchain/tools.ts';
import { freePort, type ManagedProcess, type SpawnedProcess, startProcess, waitUntil } from './process.ts';

export interface ToxiproxyOptions {
  /** Port of the HTTP API; a free one when absent. */
  apiPort?: number;
  logFile?: string;
  /** Called once the process exists, before it is ready (see StartProcessOptions.onSpawn). */
  onSpawn?: (spawned: SpawnedProcess) => void;
}

export interface ToxiproxyServer {
  /** e.g. http://127.0.0.1:41234 */
  apiUrl: string;
  client: Toxiproxy;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Start `toxiproxy-server` on 127.0.0.1 and wait until its API answers. */
export async function startToxiproxy(options: ToxiproxyOptions = {}): Promise<ToxiproxyServer> {
  const toxiproxy = resolveTool('toxiproxy');
  const apiPort = options.apiPort ?? (await freePort());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const { process } = await startProcess({
    name: 'Toxiproxy',
    command: toxiproxy.path,
    args: ['-host', '127.0.0.1', '-port', String(apiPort)],
    // At its default level Toxiproxy logs every API request.
    env: { ...globalThis.process.env, LOG_LEVEL: 'warn' },
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: 15_000,
    readyWhen: (probe) =>
      waitUntil(`Toxiproxy API at ${apiUrl} answering`, () => answersVersion(apiUrl), 15_000, { intervalMs: 50, abandon: probe.exited }),
  });
  return { apiUrl, client: new Toxiproxy(apiUrl), process, stop: async () => void (await process.stop()) };
}

/** True when the Toxiproxy API at `apiUrl` answers. */
export async function answersVersion(apiUrl: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/version`, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}
