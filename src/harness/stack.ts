/**
 * The local stack: a Temporal dev server and the bank and store services, each its own process, with their
 * state under one data directory. The one way tests, the CLI and benchmarks start them together.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type RunningService, startService } from './services.ts';
import { type DevServer, startDevServer } from './temporal.ts';
import { stopAll } from './process.ts';

export interface StackOptions {
  /** Holds bank/, store/ (the services' databases), temporal.db when persistent, and logs/. */
  dataDir: string;
  /** Serve the Temporal Web UI. */
  ui?: boolean;
  /** Keep Temporal's state in dataDir/temporal.db so it survives a server restart. */
  persistentTemporal?: boolean;
}

export interface Stack {
  temporal: DevServer;
  bank: RunningService;
  store: RunningService;
  dataDir: string;
  /** Stop every part; each is attempted even when another fails. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dataDir } = options;
  const logs = path.join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const started = await Promise.allSettled([
    startDevServer({
      ui: options.ui,
      dbFile: options.persistentTemporal ? path.join(dataDir, 'temporal.db') : undefined,
      logFile: path.join(logs, 'temporal.log'),
    }),
    startService('bank', { dataDir: path.join(dataDir, 'bank'), logFile: path.join(logs, 'bank.log') }),
    startService('store', { dataDir: path.join(dataDir, 'store'), logFile: path.join(logs, 'store.log') }),
  ]);
  const [temporal, bank, store] = started;
  if (temporal.status === 'fulfilled' && bank.status === 'fulfilled' && store.status === 'fulfilled') {
    const parts = [temporal.value, bank.value, store.value];
    return {
      temporal: temporal.value,
      bank: bank.value,
      store: store.value,
      dataDir,
      stop: () => stopAll(parts.map((part) => () => part.stop())),
    };
  }
  await stopAll(started.flatMap((s) => (s.status === 'fulfilled' ? [() => s.value.stop()] : [])));
  throw started.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason;
}
