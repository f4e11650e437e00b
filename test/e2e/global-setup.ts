import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startStack } from '../../src/harness/stack';
import { bundleWorkflows } from '../../src/harness/worker';
import '../support/provided';

/** Once for the e2e project: the local stack (dev server, bank, store as processes) and the workflow bundle. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-e2e-'));
  const [stack, bundle] = await Promise.all([startStack({ dataDir }), bundleWorkflows()]);
  const bundlePath = path.join(dataDir, 'workflows.bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', stack.temporal.address);
  project.provide('bankUrl', stack.bank.url);
  project.provide('storeUrl', stack.store.url);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
