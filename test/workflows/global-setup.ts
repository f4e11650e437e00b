import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopAll } from '../../src/harness/process';
import { startService } from '../../src/harness/services';
import { bundleWorkflows } from '../../src/harness/worker';
import '../support/provided';

/** Once for the workflows project: the bank and store as processes, and the workflow bundle. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-workflow-tests-'));
  const [bank, store, bundle] = await Promise.all([
    startService('bank', { dataDir: path.join(dataDir, 'bank') }),
    startService('store', { dataDir: path.join(dataDir, 'store') }),
    bundleWorkflows(),
  ]);
  const bundlePath = path.join(dataDir, 'workflows.bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('bankUrl', bank.url);
  project.provide('storeUrl', store.url);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await stopAll([bank.stop, store.stop]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
