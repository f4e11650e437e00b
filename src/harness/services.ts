/**
 * The bank and store services as their own processes (so a network fault or a kill -9 can hit them),
 * each with its database in a directory that survives a restart.
 */
import path from 'node:path';
import type { ReadyLine } from '../../services/contract.ts';
import { PROJECT_ROOT } from '../toolchain/tools.ts';
import { type ManagedProcess, type SpawnedProcess, startProcess } from './process.ts';

export type ServiceName = 'bank' | 'store';

export interface ServiceOptions {
  /** Directory of the service's database; created when missing, reused (with its data) when present. */
  dataDir: string;
  /** Port to listen on; one chosen by the service when absent. Give the old port to restart in place. */
  port?: number;
  logFile?: string;
  /** Called once the process exists, before it is ready (see StartProcessOptions.onSpawn). */
  onSpawn?: (spawned: SpawnedProcess) => void;
}

export interface RunningService {
  name: ServiceName;
  url: string;
  port: number;
  dataDir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Start `services/<name>/main.ts` and wait for the ready line it prints once listening. */
export async function startService(name: ServiceName, options: ServiceOptions): Promise<RunningService> {
  const entry = path.join(PROJECT_ROOT, 'services', name, 'main.ts');
  const { process, ready } = await startProcess({
    name: `${name} service`,
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', entry, '--port', String(options.port ?? 0), '--data-dir', options.dataDir],
    cwd: PROJECT_ROOT,
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: 60_000,
    readyWhen: (probe) => probe.line((line) => parseReadyLine(line, name)),
  });
  const port = Number(new URL(ready.url).port);
  return { name, url: ready.url, port, dataDir: options.dataDir, process, stop: async () => void (await process.stop()) };
}

/** The service's ready line (ReadyLine), or undefined for any other line. */
export function parseReadyLine(line: string, service: ServiceName): ReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    return parsed.event === 'listening' && parsed.service === service && typeof parsed.url === 'string'
      ? (parsed as ReadyLine)
      : undefined;
  } catch {
    return undefined;
  }
}
