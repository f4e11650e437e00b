/**
 * The images of the docker provider. By default they are built here, offline, `FROM scratch`:
 *   tempest/temporal:<hash>   the pinned static `temporal` binary (toolchain/manifest.json)
 *   tempest/toxiproxy:<hash>  the pinned static `toxiproxy-server` binary
 *   tempest/node:<hash>       this machine's `node` binary with the shared libraries ldd lists for it and for the
 *                             Temporal core bridge, and the dynamic loader; the project itself is bind-mounted
 *                             read-only at its own path when a container runs, so node_modules and the TypeScript
 *                             sources are used as they are
 * Each tag is a hash of the files that go in, so an image is built once and reused until a binary changes.
 * With TEMPEST_DOCKER_IMAGES=official the official images are used instead (`temporalio/temporal`,
 * `ghcr.io/shopify/toxiproxy:2.12.0`, `node:20-slim`), which the engine must be able to pull.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';
import { resolveTool } from '../../../base/toolchain/tools.ts';
import { HarnessError } from '../../../base/errors.ts';

export type ImageSet = 'local' | 'official';

export const IMAGES_ENV = 'TEMPEST_DOCKER_IMAGES';

/** How a part's container runs: its image, and the command that goes before the part's own arguments. */
export interface PartImage {
  image: string;
  /** For temporal and toxiproxy: the binary's path inside the image. For node: the node binary. */
  entrypoint: string[];
}

export interface ClusterImages {
  set: ImageSet;
  temporal: PartImage;
  toxiproxy: PartImage;
  node: PartImage;
  /** ms spent building images this time (0 when every image was already there). */
  buildMs: number;
}

export function imageSetFromEnv(env: NodeJS.ProcessEnv = process.env): ImageSet {
  const value = env[IMAGES_ENV];
  if (value === undefined || value === '' || value === 'local') return 'local';
  if (value === 'official') return 'official';
  throw new HarnessError(`${IMAGES_ENV} must be local or official, got '${value}'`);
}

const OFFICIAL: Omit<ClusterImages, 'set' | 'buildMs'> = {
  // The official image's entrypoint runs `temporal`; start-dev must listen on 0.0.0.0 there.
  temporal: { image: 'temporalio/temporal:1.9.1', entrypoint: ['temporal'] },
  toxiproxy: { image: 'ghcr.io/shopify/toxiproxy:2.12.0', entrypoint: ['/toxiproxy'] },
  node: { image: 'node:20-slim', entrypoint: ['node'] },
};

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The shared libraries (and loader) a dynamically linked file needs, as absolute paths. */
function sharedLibraries(file: string): string[] {
  const output = execFileSync('ldd', [file], { encoding: 'utf8' });
  const libraries = new Set<string>();
  for (const line of output.split('\n')) {
    const resolved = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (resolved) libraries.add(resolved);
  }
  return [...libraries];
}

/** The Temporal core bridge's native module for this platform, whose libraries the node image must also hold. */
function coreBridgeAddon(): string | undefined {
  const triples: Record<string, string> = { 'linux-x64': 'x86_64-unknown-linux-gnu', 'linux-arm64': 'aarch64-unknown-linux-gnu' };
  const triple = triples[`${process.platform}-${process.arch}`];
  if (!triple) return undefined;
  // Where the worker's SDK resolves it from: next to tempest's own @temporalio/worker.
  const require = createRequire(createRequire(import.meta.url).resolve('@temporalio/worker'));
  return path.join(path.dirname(require.resolve('@temporalio/core-bridge/package.json')), 'releases', triple, 'index.node');
}

/** Part of every image's tag: a change to how the images are laid out gives new tags, so they are built again. */
const LAYOUT = 'layout 2: no /tmp (a tmpfs with mode 1777 at run time)';

/** Files to put in an image at their own absolute paths. */
async function buildScratchImage(repository: string, files: string[], extraKey: string): Promise<{ tag: string; built: boolean }> {
  const hash = createHash('sha256').update(`${LAYOUT}\0${extraKey}`);
  for (const file of files) hash.update(`${file}\0${await sha256(file)}\0`);
  const tag = `${repository}:${hash.digest('hex').slice(0, 16)}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return { tag, built: false };
  const context = mkdtempSync(path.join(os.tmpdir(), 'tempest-image-'));
  try {
    for (const file of files) {
      const target = path.join(context, 'rootfs', file);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(file, target); // follows symlinks: the image gets the real files
    }
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\n');
    await GenericContainer.fromDockerfile(context).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new HarnessError(`cannot build ${tag}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { tag, built: true };
}

/** The images for a cluster: built locally (once per content) or the official ones. */
export async function clusterImages(set: ImageSet = imageSetFromEnv()): Promise<ClusterImages> {
  if (set === 'official') return { set, ...OFFICIAL, buildMs: 0 };
  const started = Date.now();
  const temporal = resolveTool('temporal').path;
  const toxiproxy = resolveTool('toxiproxy').path;
  const node = process.execPath;
  const addon = coreBridgeAddon();
  const nodeFiles = [...new Set([node, ...sharedLibraries(node), ...(addon ? sharedLibraries(addon) : [])])].filter(
    (file) => file !== addon,
  );
  // Inside the images the binaries sit at fixed paths, whatever their names on this machine.
  const [temporalImage, toxiproxyImage, nodeImage] = await Promise.all([
    buildBinaryImage('tempest/temporal', temporal, '/temporal'),
    buildBinaryImage('tempest/toxiproxy', toxiproxy, '/toxiproxy-server'),
    buildScratchImage('tempest/node', nodeFiles, `node ${process.version}`),
  ]);
  const built = temporalImage.built || toxiproxyImage.built || nodeImage.built;
  return {
    set,
    temporal: { image: temporalImage.tag, entrypoint: ['/temporal'] },
    toxiproxy: { image: toxiproxyImage.tag, entrypoint: ['/toxiproxy-server'] },
    node: { image: nodeImage.tag, entrypoint: [node] },
    buildMs: built ? Date.now() - started : 0,
  };
}

/** One static binary at `target` in a scratch image. */
async function buildBinaryImage(repository: string, binary: string, target: string): Promise<{ tag: string; built: boolean }> {
  const hash = createHash('sha256')
    .update(`${LAYOUT}\0${target}\0${await sha256(binary)}`)
    .digest('hex')
    .slice(0, 16);
  const tag = `${repository}:${hash}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return { tag, built: false };
  const context = mkdtempSync(path.join(os.tmpdir(), 'tempest-image-'));
  try {
    copyFileSync(binary, path.join(context, path.basename(target)));
    writeFileSync(path.join(context, 'Dockerfile'), `FROM scratch\nCOPY ${path.basename(target)} ${target}\n`);
    await GenericContainer.fromDockerfile(context).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new HarnessError(`cannot build ${tag}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { tag, built: true };
}
