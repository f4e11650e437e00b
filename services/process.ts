import type http from 'node:http';
import type { ReadyLine } from './contract';
import { type Database, openDatabase } from './db';
import { closeServer, listen, logToStderr } from './http';

/**
 * The process entry shared by both services:
 *   node --import tsx services/<name>/main.ts --data-dir <dir> [--port <n>] [--host 127.0.0.1]
 * Prints one ReadyLine on stdout once listening; logs go to stderr. SIGTERM/SIGINT stop it cleanly (exit 0);
 * a bad flag exits 2 with a one-line error naming it; a failed start exits 1.
 */

export interface ServiceProcessSpec {
  service: ReadyLine['service'];
  /** DDL applied when the database opens. */
  schema: string;
  createServer(options: { db: Database }): http.Server;
}

interface ServiceFlags {
  port: number;
  dataDir: string;
  host: string;
}

const USAGE = 'usage: --data-dir <dir> [--port <n>] [--host <address>]';

function parseServiceFlags(args: readonly string[]): ServiceFlags {
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const [flag = '', inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg, '=') : [arg, undefined];
    if (!['--port', '--data-dir', '--host'].includes(flag)) throw new Error(`unknown flag ${flag} (${USAGE})`);
    if (values.has(flag)) throw new Error(`${flag} is given more than once`);
    const value = inline ?? args[++index];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('--'))) {
      throw new Error(`${flag} needs a value (${USAGE})`);
    }
    values.set(flag, value);
  }
  const dataDir = values.get('--data-dir');
  if (dataDir === undefined) throw new Error(`--data-dir is required (${USAGE})`);
  const portText = values.get('--port') ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`--port must be an integer from 0 to 65535 (0 picks a free port), got '${portText}'`);
  }
  return { port, dataDir, host: values.get('--host') ?? '127.0.0.1' };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + separator.length)];
}

export async function runServiceProcess(spec: ServiceProcessSpec, args: readonly string[]): Promise<void> {
  const log = (message: string) => logToStderr(`${spec.service}: ${message}`);
  let flags: ServiceFlags;
  try {
    flags = parseServiceFlags(args);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(flags.dataDir, spec.schema);
    const server = spec.createServer({ db });
    const url = await listen(server, flags.port, flags.host);
    const openDb = db;
    const stop = (signal: NodeJS.Signals) => {
      log(`${signal}: closing`);
      void closeServer(server)
        .then(() => openDb.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            log(`unclean shutdown: ${String(error)}`);
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const ready: ReadyLine = { event: 'listening', service: spec.service, url, pid: process.pid };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } catch (error) {
    log(`failed to start: ${error instanceof Error ? error.message : String(error)}`);
    await db?.close();
    process.exit(1);
  }
}
