/**
 * A part of the user's system (a service, a database: anything `defineSystem` lists under `parts`) as a child
 * process: started with the port it must listen on and a data directory of its own, and ready when its readiness
 * check says so. The one way chaos clusters, benchmarks and tests start a user's part.
 */
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { durationMs } from '../duration.ts';
import type { PartAddress, PartCommand, PartSpec, PartStartContext, Readiness } from '../system-spec.ts';
import { type ManagedProcess, type ReadinessProbe, type SpawnedProcess, startProcess, waitUntil } from './process.ts';

export interface StartPartOptions {
  name: string;
  spec: PartSpec;
  port: number;
  dataDir: string;
  /** Where its dependencies are (through their links, in a chaos cluster). */
  dependencies?: Record<string, PartAddress>;
  projectRoot: string;
  logFile?: string;
  onSpawn?: (spawned: SpawnedProcess) => void;
}

export interface RunningPart {
  name: string;
  address: PartAddress;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export function partAddress(host: string, port: number): PartAddress {
  return { host, port, address: `${host}:${port}`, url: `http://${host}:${port}` };
}

/** The address a part's `host:port` text stands for. */
export function parseAddress(address: string): PartAddress {
  const colon = address.lastIndexOf(':');
  return partAddress(address.slice(0, colon), Number(address.slice(colon + 1)));
}

/** The part's command for this start; a start function that throws or returns no command is named. */
export function partCommand(name: string, spec: PartSpec, context: PartStartContext): PartCommand {
  let command: PartCommand;
  try {
    command = spec.start(context);
  } catch (error) {
    throw new Error(`parts.${name}.start threw: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (
    !command ||
    typeof command.command !== 'string' ||
    command.command === '' ||
    (command.args !== undefined && !Array.isArray(command.args))
  ) {
    throw new Error(`parts.${name}.start must return { command, args? }, got ${JSON.stringify(command)}`);
  }
  return command;
}

/** True when something accepts TCP connections at host:port (within a second). */
export function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.ok;
}

/** A readiness check as a probe over the part's output, its address polled where the check says. */
export function readinessCheck(
  name: string,
  ready: Readiness | undefined,
  address: PartAddress,
  timeoutMs: number,
): (probe: ReadinessProbe) => Promise<unknown> {
  if (ready && 'log' in ready) {
    const matches =
      typeof ready.log === 'string'
        ? (line: string) => line.includes(ready.log as string)
        : (line: string) => (ready.log as RegExp).test(line);
    return (probe) => probe.line((line) => (matches(line) ? line : undefined));
  }
  if (ready && 'http' in ready) {
    const url = `${address.url}${ready.http}`;
    return (probe) => waitUntil(`${name}: GET ${url} answering 2xx`, () => answers(url), timeoutMs, { abandon: probe.exited });
  }
  return (probe) =>
    waitUntil(`${name}: ${address.address} accepting connections`, () => accepts(address.port, address.host), timeoutMs, {
      intervalMs: 50,
      abandon: probe.exited,
    });
}

export function readyTimeoutMs(name: string, spec: PartSpec): number {
  return spec.readyTimeout === undefined ? 60_000 : durationMs(spec.readyTimeout, `parts.${name}.readyTimeout`);
}

/** Start a part on 127.0.0.1:<port> and wait until it is ready; on failure it is stopped and the error names it. */
export async function startPart(options: StartPartOptions): Promise<RunningPart> {
  const { name, spec } = options;
  const address = partAddress('127.0.0.1', options.port);
  const context: PartStartContext = {
    port: options.port,
    host: address.host,
    dataDir: options.dataDir,
    dependencies: options.dependencies ?? {},
    projectRoot: options.projectRoot,
  };
  mkdirSync(options.dataDir, { recursive: true });
  const command = partCommand(name, spec, context);
  const timeoutMs = readyTimeoutMs(name, spec);
  const { process } = await startProcess({
    name,
    command: command.command,
    args: command.args ?? [],
    cwd: command.cwd ? path.resolve(options.projectRoot, command.cwd) : options.projectRoot,
    env: { ...globalThis.process.env, ...command.env },
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: timeoutMs,
    readyWhen: readinessCheck(name, spec.ready, address, timeoutMs),
  });
  return { name, address, process, stop: async () => void (await process.stop()) };
}

/**
 * A command that runs a Node program, TypeScript or JavaScript, with tempest's own TypeScript loader (tsx): for a
 * part written in TypeScript, `start: ({ port }) => nodeCommand('services/api/main.ts', ['--port', String(port)])`.
 * The entry is relative to the project root.
 */
export function nodeCommand(entry: string, args: readonly string[] = [], env?: Record<string, string>): PartCommand {
  return { command: process.execPath, args: ['--import', TSX_LOADER, entry, ...args], ...(env ? { env } : {}) };
}

/** tsx's loader as a file URL, resolved from tempest itself: a child process finds it whatever its working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
