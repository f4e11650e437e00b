/** The `tempest` command as the tests run it: a child process of this Node, with its exit code and output. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT as PROJECT_ROOT } from './repo';

export const TEMPEST_BIN = path.join(PROJECT_ROOT, 'bin', 'tempest.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The project root unless given. */
  cwd?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

const spawnOptions = (options: CliOptions) => ({ cwd: options.cwd ?? PROJECT_ROOT, env: { ...process.env, ...options.env } });

/** Run the command and wait for it. Blocks this process: not for a test that serves what the command talks to. */
export function tempestSync(args: string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [TEMPEST_BIN, ...args], { ...spawnOptions(options), encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Run the command without blocking this process (which may be serving a server the command connects to). */
export function tempestAsync(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [TEMPEST_BIN, ...args], { ...spawnOptions(options), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A command that keeps running (`tempest up`): its output so far, a wait for a line of it, and its exit. */
export interface RunningCommand {
  child: ChildProcess;
  /**
   * Send `signal` to the command's whole process group, as a terminal's Ctrl-C does (`npx` does not pass SIGINT on
   * to the program it runs); nothing when it has exited.
   */
  interrupt(signal?: NodeJS.Signals): void;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Resolves with the match once the output matches `pattern`; rejects when the command exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

/** Every command started here that has not exited: killed when this test process exits, so none outlives a failed test. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function startCommand(command: string, args: string[], options: CliOptions = {}): RunningCommand {
  // A process group of its own, so Ctrl-C (interrupt) reaches every process of it, as in a terminal.
  const child = spawn(command, args, { ...spawnOptions(options), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match) return match;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`,
        );
      if (Date.now() > deadline) throw new Error(`${command} ${args.join(' ')} printed no ${pattern} within ${timeoutMs} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const interrupt = (signal: NodeJS.Signals = 'SIGINT'): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, signal);
  };
  return { child, interrupt, output: () => output, waitFor, exit };
}

/** `tempest <args>` that keeps running. */
export function tempestRunning(args: string[], options: CliOptions = {}): RunningCommand {
  return startCommand(process.execPath, [TEMPEST_BIN, ...args], options);
}
