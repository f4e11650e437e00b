/**
 * The Docker engine the docker chaos provider runs its containers on. When `docker info` answers, that engine is
 * used as it is. When none runs, one is started only on request (`start: true`, which TEMPEST_START_DOCKER=1 asks
 * for; CI sets it): `dockerd --storage-driver=overlay2 --iptables=false --bridge=none` in the background (vfs when
 * overlay2 cannot work), its log in <os.tmpdir()>/tempest-dockerd/dockerd.log. It is left running for the next
 * run, like an engine started by hand. testcontainers is configured for host networking on loopback unless the
 * caller's environment already says otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../errors.ts';

const run = promisify(execFile);

/** Opt-in to starting an engine when none runs. */
export const START_DOCKER_ENV = 'TEMPEST_START_DOCKER';

export const DOCKERD_LOG = path.join(os.tmpdir(), 'tempest-dockerd', 'dockerd.log');

export interface DockerEngine {
  /** The engine's version, from `docker info`. */
  serverVersion: string;
  /** True when this call started it. */
  started: boolean;
  storageDriver?: string;
}

/** The running engine's version, or undefined when `docker info` does not answer. */
async function engineVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    const version = stdout.trim();
    return version && !version.includes('<no value>') ? version : undefined;
  } catch {
    return undefined;
  }
}

/** True when a Docker engine answers (tests use it to decide whether the docker suite can run). */
export async function dockerAvailable(): Promise<boolean> {
  return (await engineVersion()) !== undefined;
}

/** Whether the environment asks for an engine to be started when none runs. */
export function startRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[START_DOCKER_ENV] === '1' || env[START_DOCKER_ENV] === 'true';
}

/** Point testcontainers at a loopback engine with host networking, unless the environment already chose. */
export function configureTestcontainers(env: NodeJS.ProcessEnv = process.env): void {
  // Without it testcontainers looks for the `bridge` network, which `--bridge=none` engines do not have.
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  // Ryuk is an image to pull; the run registry (harness/run-registry.ts) removes a killed run's containers instead.
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

let starting: Promise<DockerEngine> | undefined;

/** Use the running engine, or start one when `start` is true; otherwise a one-line error saying how to opt in. */
export async function ensureDockerEngine(options: { start: boolean } = { start: startRequested() }): Promise<DockerEngine> {
  configureTestcontainers();
  const version = await engineVersion();
  if (version) return { serverVersion: version, started: false };
  if (!options.start) {
    throw new HarnessError(
      `no Docker engine runs (docker info fails); start one, or set ${START_DOCKER_ENV}=1 to let tempest start dockerd`,
    );
  }
  starting ??= startDockerd().finally(() => (starting = undefined));
  return starting;
}

/** Test files run in parallel processes: only the one holding this lock starts dockerd; the others wait for it. */
const START_LOCK = path.join(path.dirname(DOCKERD_LOG), 'start.lock');

function tryLock(): boolean {
  mkdirSync(path.dirname(START_LOCK), { recursive: true });
  try {
    if (Date.now() - statSync(START_LOCK).mtimeMs > 120_000) rmSync(START_LOCK, { force: true }); // left by a killed starter
  } catch {
    // no lock yet
  }
  try {
    closeSync(openSync(START_LOCK, 'wx'));
    return true;
  } catch {
    return false;
  }
}

async function startDockerd(): Promise<DockerEngine> {
  if (!(await onPath('dockerd'))) {
    throw new HarnessError('no Docker engine runs and dockerd is not installed (Debian: apt-get install docker.io)');
  }
  if (!tryLock()) {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const version = await engineVersion();
      if (version) return { serverVersion: version, started: false };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new HarnessError(`another process was starting dockerd and no engine answered within 90 s; see ${DOCKERD_LOG}`);
  }
  try {
    return await launchWithFallback();
  } finally {
    rmSync(START_LOCK, { force: true });
  }
}

async function launchWithFallback(): Promise<DockerEngine> {
  const failures: string[] = [];
  for (const storageDriver of ['overlay2', 'vfs']) {
    const child = launch(storageDriver);
    const version = await waitForEngine(child, 30_000);
    if (version) return { serverVersion: version, started: true, storageDriver };
    failures.push(`${storageDriver}: dockerd did not answer`);
    if (child.exitCode === null) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new HarnessError(`could not start dockerd (${failures.join('; ')}); see ${DOCKERD_LOG}`);
}

function launch(storageDriver: string) {
  mkdirSync(path.dirname(DOCKERD_LOG), { recursive: true });
  const log = openSync(DOCKERD_LOG, 'a');
  const child = spawn('dockerd', [`--storage-driver=${storageDriver}`, '--iptables=false', '--bridge=none'], {
    detached: true, // the engine outlives this run, like one started by hand
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  return child;
}

async function waitForEngine(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const version = await engineVersion();
    if (version) return version;
    if (child.exitCode !== null) return engineVersion();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

async function onPath(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}
