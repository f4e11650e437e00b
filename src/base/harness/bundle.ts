/**
 * Workflow bundles: built with the SDK's bundler, their failures said in one line a person can act on, and cached
 * between runs, keyed by the content of the code they were built from.
 *
 * The SDK's bundler prints webpack's whole report (often hundreds of lines) and then throws "Webpack finished with
 * errors". bundleWorkflowCodeChecked() keeps that report to itself and throws a WorkflowBundleError naming the file,
 * the line and the cause: a disallowed import (`fs` in workflow code) with the file that imports it, a syntax
 * error, a module that cannot be found.
 *
 * Bundling takes one to three seconds and every run needs one. A bundle is stored with the list of files webpack
 * read to build it (the workflows, their imports, the SDK, any interceptor; each with its sha256) and the paths it
 * looked for and did not find; it is reused only while every one of those files has the same content and none of
 * the missing paths has appeared. Layout: `<cacheDir>/<request>/index.json` and `<content>.js`, where `<request>`
 * hashes what was asked for (module paths, SDK version) and `<content>` the inputs' hashes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type BundleOptions, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFileAtomic } from '../files.ts';
import { shownPath } from '../modules/user-module.ts';
import { cacheRoot } from '../toolchain/cache.ts';
import { UsageError } from '../errors.ts';

const INDEX_SCHEMA = 'tempest.bundle-cache/v1';
/** Bundles kept per request: enough to switch between a few branches without rebundling. */
const KEPT = 4;
const require = createRequire(import.meta.url);
const SDK_VERSION = (require('@temporalio/worker/package.json') as { version: string }).version;
/** The modules the SDK refuses in workflow code (`fs`, `child_process`, ...): its own list, so the two never differ. */
const DISALLOWED = new Set((require('@temporalio/worker/lib/workflow/bundler.js') as { disallowedModules: string[] }).disallowedModules);

export interface BundleRequest {
  workflowsPath: string;
  workflowInterceptorModules?: string[];
  payloadConverterPath?: string;
  failureConverterPath?: string;
}

export interface Bundle {
  /** The bundle's code, as a file a worker loads with `workflowBundle: { codePath }`. */
  codePath: string;
  fromCache: boolean;
  /** Time to find or build it. */
  ms: number;
}

interface CachedEntry {
  code: string;
  /** Every file webpack read, with the sha256 of its content. */
  inputs: Record<string, string>;
  /** Paths webpack looked for and did not find (a module that appears there would change the bundle). */
  missing: string[];
}

interface CacheIndex {
  schema: typeof INDEX_SCHEMA;
  entries: CachedEntry[];
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function readIndex(file: string): CacheIndex {
  try {
    const index = JSON.parse(readFileSync(file, 'utf8')) as CacheIndex;
    if (index.schema === INDEX_SCHEMA && Array.isArray(index.entries)) return index;
  } catch {
    // no index yet, or one a killed run left unreadable: start over
  }
  return { schema: INDEX_SCHEMA, entries: [] };
}

/** The first entry whose inputs are all unchanged, with its code on disk. */
function findValid(dir: string, entries: readonly CachedEntry[]): CachedEntry | undefined {
  const hashes = new Map<string, string | undefined>();
  const hashOf = (file: string): string | undefined => {
    if (!hashes.has(file)) {
      try {
        hashes.set(file, sha256(readFileSync(file)));
      } catch {
        hashes.set(file, undefined);
      }
    }
    return hashes.get(file);
  };
  return entries.find(
    (entry) =>
      existsSync(path.join(dir, entry.code)) &&
      Object.entries(entry.inputs).every(([file, hash]) => hashOf(file) === hash) &&
      entry.missing.every((file) => !existsSync(file)),
  );
}

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];
interface WebpackError {
  name?: string;
  message: string;
  module?: { resource?: string };
  loc?: { start?: { line?: number } };
}
interface Compilation {
  fileDependencies: Iterable<string>;
  missingDependencies: Iterable<string>;
  errors: WebpackError[];
}
interface ExternalsData {
  request?: string;
  contextInfo?: { issuer?: string };
}
type Externals = (data: ExternalsData, callback: unknown) => Promise<unknown>;

/**
 * Where webpack looks for packages after the folders above each file: the node_modules folders from the working
 * directory (the project) up, and the one the SDK's workflow package is in as tempest resolves it. A workflows
 * module outside the project's folder (a sibling package, a shared folder, a temporary copy) finds
 * `@temporalio/workflow` and the project's packages there, as the project's own modules do.
 */
function fallbackModuleFolders(): string[] {
  const folders: string[] = [];
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(candidate)) folders.push(candidate);
    if (path.dirname(dir) === dir) break;
  }
  const sdk = path.dirname(path.dirname(path.dirname(require.resolve('@temporalio/workflow/package.json'))));
  return [...new Set([...folders, sdk])];
}

/** A workflows module that does not bundle: the file, the line where known, and the cause, in one line. */
export class WorkflowBundleError extends UsageError {
  constructor(
    readonly workflowsPath: string,
    readonly file: string | undefined,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    const where = file === undefined ? '' : `${shownPath(file)}${line === undefined ? '' : `:${line}`}: `;
    super(`${shownPath(workflowsPath)} cannot be bundled as workflow code: ${where}${reason}`);
    this.name = 'WorkflowBundleError';
  }
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The first line of `file` that names `request` in quotes (an import or require of it), 1-based. */
function lineNaming(file: string, request: string): number | undefined {
  try {
    const quoted = new RegExp(`['"\`]${request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"\`]`);
    const index = readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((line) => quoted.test(line));
    return index >= 0 ? index + 1 : undefined;
  } catch {
    return undefined;
  }
}

/** What went wrong, from the disallowed imports seen and webpack's first error. */
function bundleFailure(
  workflowsPath: string,
  disallowed: Map<string, string | undefined>,
  compilation: Compilation | undefined,
  error: unknown,
): WorkflowBundleError {
  const [first] = disallowed;
  if (first) {
    const [request, issuer] = first;
    const others =
      disallowed.size > 1
        ? ` (and ${[...disallowed.keys()]
            .slice(1)
            .map((r) => `'${r}'`)
            .join(', ')})`
        : '';
    return new WorkflowBundleError(
      workflowsPath,
      issuer,
      issuer === undefined ? undefined : lineNaming(issuer, request),
      `imports '${request}'${others}, which workflow code cannot use: it would break determinism; ` +
        'move the code that needs it into an activity, or import only its types (import type)',
    );
  }
  const errors = compilation?.errors ?? [];
  const webpackError = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  if (!webpackError) {
    const message = error instanceof Error ? error.message : String(error);
    return new WorkflowBundleError(
      workflowsPath,
      undefined,
      undefined,
      message
        .split('\n')
        .find((l) => l.trim())
        ?.trim() ?? 'unknown error',
    );
  }
  const text = webpackError.message.replace(ANSI, '');
  const resource = webpackError.module?.resource;
  const notFound = /Can't resolve '([^']+)'/.exec(text);
  if (notFound)
    return new WorkflowBundleError(workflowsPath, resource, webpackError.loc?.start?.line, `cannot find module '${notFound[1]}'${more}`);
  // swc reports a syntax error as `x <what>` and then `,-[<file>:<line>:<column>]`.
  const swcWhat = /(?:^|Error:)\s*[x×] (.+)$/m.exec(text);
  const swcWhere = /[,╭]-\[(.+):(\d+):\d+\]/.exec(text);
  if (swcWhat && swcWhere) {
    const syntax = /Syntax Error/.test(text) ? 'syntax error: ' : '';
    return new WorkflowBundleError(workflowsPath, swcWhere[1], Number(swcWhere[2]), `${syntax}${swcWhat[1]!.trim()}${more}`);
  }
  const line = text
    .split('\n')
    .map((l) => l.replace(/^Module build failed( \(from [^)]*\))?:\s*/, '').trim())
    .find((l) => l !== '');
  return new WorkflowBundleError(
    workflowsPath,
    resource && path.isAbsolute(resource) ? resource : undefined,
    webpackError.loc?.start?.line,
    `${line ?? 'unknown error'}${more}`,
  );
}

/**
 * Bundle the workflows with the SDK's bundler, silently; throw a WorkflowBundleError (one line: file, line, cause)
 * when it fails. Returns the code, the files webpack read and the paths it looked for and did not find.
 */
export async function bundleWorkflowCodeChecked(request: BundleRequest): Promise<{ code: string; inputs: string[]; missing: string[] }> {
  let compilation: Compilation | undefined;
  const recordCompilation = {
    apply(compiler: { hooks: { afterCompile: { tap(name: string, fn: (c: Compilation) => void): void } } }) {
      compiler.hooks.afterCompile.tap('tempest-bundle', (c) => void (compilation = c));
    },
  };
  // Every disallowed module imported, with the first file that imports it (the SDK's own check names no file).
  const disallowed = new Map<string, string | undefined>();
  const recordDisallowed =
    (externals: Externals): Externals =>
    async (data, callback) => {
      const request = data.request ?? '';
      const bare = request.startsWith('node:') ? request.slice('node:'.length) : request;
      if ((DISALLOWED.has(bare) || DISALLOWED.has(bare.split('/')[0]!)) && isBuiltin(request) && !disallowed.has(request)) {
        disallowed.set(request, data.contextInfo?.issuer || undefined);
      }
      return externals(data, callback);
    };
  let result: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  try {
    result = await bundleWorkflowCode({
      ...request,
      // webpack's report goes to the logger at ERROR; the error thrown below says what matters in it.
      logger: new DefaultLogger('ERROR', () => undefined),
      webpackConfigHook: (config: WebpackConfig) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), ...fallbackModuleFolders()] },
        externals: recordDisallowed(config.externals as unknown as Externals) as never,
        plugins: [...(config.plugins ?? []), recordCompilation as never],
      }),
    });
  } catch (error) {
    throw bundleFailure(request.workflowsPath, disallowed, compilation, error);
  }
  const inputs = [...(compilation?.fileDependencies ?? [])].filter(
    (file) => path.isAbsolute(file) && existsSync(file) && statSync(file).isFile(),
  );
  const missing = [...(compilation?.missingDependencies ?? [])].filter((file) => path.isAbsolute(file));
  return { code: result.code, inputs, missing };
}

/** A bundle of the request's workflows: from `cacheDir` when its inputs are unchanged, else built and cached. */
export async function cachedBundle(request: BundleRequest, cacheDir: string): Promise<Bundle> {
  const started = performance.now();
  const dir = path.join(cacheDir, sha256(JSON.stringify({ sdk: SDK_VERSION, ...request })).slice(0, 24));
  const indexFile = path.join(dir, 'index.json');
  const index = readIndex(indexFile);
  const hit = findValid(dir, index.entries);
  if (hit) return { codePath: path.join(dir, hit.code), fromCache: true, ms: performance.now() - started };

  const built = await bundleWorkflowCodeChecked(request);
  const inputs = Object.fromEntries(built.inputs.sort().map((file) => [file, sha256(readFileSync(file))]));
  const content = sha256(JSON.stringify({ inputs, missing: built.missing }));
  const entry: CachedEntry = { code: `${content.slice(0, 24)}.js`, inputs, missing: built.missing };
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, entry.code), built.code);
  const entries = [entry, ...readIndex(indexFile).entries.filter((e) => e.code !== entry.code)].slice(0, KEPT);
  writeFileAtomic(indexFile, `${JSON.stringify({ schema: INDEX_SCHEMA, entries }, null, 2)}\n`);
  const kept = new Set(['index.json', ...entries.map((e) => e.code)]);
  for (const file of readdirSync(dir)) if (!kept.has(file) && file.endsWith('.js')) rmSync(path.join(dir, file), { force: true });
  return { codePath: path.join(dir, entry.code), fromCache: false, ms: performance.now() - started };
}

/** A bundle built now and kept in a temporary folder, for runs without a cache; `dispose` removes it. */
export async function freshBundle(request: BundleRequest): Promise<Bundle & { dispose(): void }> {
  const started = performance.now();
  const { code } = await bundleWorkflowCodeChecked(request);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bundle-'));
  const codePath = path.join(dir, 'workflows.js');
  writeFileAtomic(codePath, code);
  return { codePath, fromCache: false, ms: performance.now() - started, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The bundle of a workflows module, as a file: from the per-user bundle cache (`<tempest cache>/bundles`) while
 * its code is unchanged, else built (a WorkflowBundleError when it does not bundle) and cached.
 */
export async function workflowBundleFile(workflowsPath: string): Promise<string> {
  return (await cachedBundle({ workflowsPath: path.resolve(workflowsPath) }, path.join(cacheRoot(), 'bundles'))).codePath;
}
