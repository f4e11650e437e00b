/**
 * What a report was measured with and on: code version, SDK and server versions, runtime, machine, time.
 * Every probe that can fail (git, the temporal binary) falls back to 'unknown' instead of failing the run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../base/harness/temporal.ts';
import { PACKAGE_ROOT } from '../../base/package-root.ts';
import { loadManifest, resolveTool } from '../../base/toolchain/tools.ts';
import type { Environment, HostEnvironment } from './report.ts';

/** The machine and runtime this process runs on (what a worker on another host reports of itself). */
export function captureHost(): HostEnvironment {
  const cpus = os.cpus();
  return {
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/** The environment of a run of the project at `projectRoot` (its git version is the project's, not tempest's). */
export function captureEnvironment(projectRoot: string, now: Date = new Date()): Environment {
  const cpus = os.cpus();
  const run = (command: string, args: string[]): string | undefined => runIn(projectRoot, command, args);
  return {
    gitSha: run('git', ['rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: gitDirty(projectRoot),
    packageVersion: packageVersion(`${PACKAGE_ROOT}/package.json`),
    sdkVersion: sdkVersion(),
    temporalCliVersion: temporalCliVersion(),
    testServerVersion: loadManifest().tools['temporal-test-server'].version,
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    date: now.toISOString(),
    devServerConfig: { ...DEV_SERVER_DYNAMIC_CONFIG },
  };
}

function runIn(cwd: string, command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function gitDirty(cwd: string): boolean | null {
  const status = runIn(cwd, 'git', ['status', '--porcelain', '--untracked-files=no']);
  return status === undefined ? null : status.length > 0;
}

function packageVersion(file: string): string {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function sdkVersion(): string {
  try {
    const require = createRequire(`${PACKAGE_ROOT}/package.json`);
    return packageVersion(require.resolve('@temporalio/client/package.json'));
  } catch {
    return 'unknown';
  }
}

/** e.g. "1.9.1 (Server 1.32.0, UI 2.54.1)" from "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
function temporalCliVersion(): string {
  try {
    const output = runIn(process.cwd(), resolveTool('temporal').path, ['--version']);
    return output?.replace(/^temporal version\s+/, '') ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
