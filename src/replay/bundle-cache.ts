/**
 * Workflow bundles cached between runs, keyed by the content of the code they were built from.
 *
 * Bundling takes one to three seconds and every replay run needs one. A bundle is stored with the list of files
 * webpack read to build it (the workflows, their imports, the SDK, the interceptor; each with its sha256) and the
 * paths it looked for and did not find; it is reused only while every one of those files has the same content
 * and none of the missing paths has appeared. Layout: `<cacheDir>/<request>/index.json` and `<content>.js`, where
 * `<request>` hashes what was asked for (module paths, SDK version) and `<content>` the inputs' hashes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { type BundleOptions, bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { writeFileAtomic } from './corpus.ts';

const INDEX_SCHEMA = 'tempest.bundle-cache/v1';
/** Bundles kept per request: enough to switch between a few branches without rebundling. */
const KEPT = 4;
const SDK_VERSION = (createRequire(import.meta.url)('@temporalio/worker/package.json') as { version: string }).version;

export interface BundleRequest {
  workflowsPath: string;
  workflowInterceptorModules: string[];
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
interface Compilation {
  fileDependencies: Iterable<string>;
  missingDependencies: Iterable<string>;
}

async function bundle(request: BundleRequest): Promise<{ code: string; inputs: string[]; missing: string[] }> {
  let compilation: Compilation | undefined;
  const recordDependencies = {
    apply(compiler: { hooks: { afterCompile: { tap(name: string, fn: (c: Compilation) => void): void } } }) {
      compiler.hooks.afterCompile.tap('tempest-bundle-cache', (c) => void (compilation = c));
    },
  };
  const { code } = await bundleWorkflowCode({
    ...request,
    logger: new DefaultLogger('ERROR'),
    webpackConfigHook: (config: WebpackConfig) => ({ ...config, plugins: [...(config.plugins ?? []), recordDependencies as never] }),
  });
  const inputs = [...(compilation?.fileDependencies ?? [])].filter((file) => path.isAbsolute(file) && existsSync(file) && statSync(file).isFile());
  const missing = [...(compilation?.missingDependencies ?? [])].filter((file) => path.isAbsolute(file));
  return { code, inputs, missing };
}

/** A bundle of the request's workflows: from `cacheDir` when its inputs are unchanged, else built and cached. */
export async function cachedBundle(request: BundleRequest, cacheDir: string): Promise<Bundle> {
  const started = performance.now();
  const dir = path.join(cacheDir, sha256(JSON.stringify({ sdk: SDK_VERSION, ...request })).slice(0, 24));
  const indexFile = path.join(dir, 'index.json');
  const index = readIndex(indexFile);
  const hit = findValid(dir, index.entries);
  if (hit) return { codePath: path.join(dir, hit.code), fromCache: true, ms: performance.now() - started };

  const built = await bundle(request);
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
  const { code } = await bundle(request);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bundle-'));
  const codePath = path.join(dir, 'workflows.js');
  writeFileAtomic(codePath, code);
  return { codePath, fromCache: false, ms: performance.now() - started, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
