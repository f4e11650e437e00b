/**
 * The package project's global setup: tempest packed once for the run (`npm pack`, whose prepack builds dist/), the
 * tarball handed to its test files through provide/inject. Packing in each file would rebuild dist/ under the other
 * while both run at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT } from './repo';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed tempest tarball (the package project only). */
    tarball: string;
  }
}

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(path.join(os.tmpdir(), 'tempest-packed-'));
  try {
    execFileSync('npm', ['pack', '--pack-destination', work, '--loglevel=error'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`npm pack failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`, { cause: error });
  }
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${work}`);
  project.provide('tarball', path.join(work, tarball));
  return () => rmSync(work, { recursive: true, force: true });
}
