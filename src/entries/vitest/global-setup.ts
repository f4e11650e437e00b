/**
 * The tempest plugin's global setup (vitest `globalSetup`): once per run, whatever the number of test files, it
 * starts what the options ask for (the pinned dev server, the system's parts, the workflow bundle) and hands it to
 * every test through provide/inject; at the end it stops everything, each part attempted.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadSystem } from '../../features/chaos/catalog.ts';
import { loadProject } from '../../base/config/config.ts';
import { stopAll } from '../../base/harness/process.ts';
import { startParts } from '../../base/harness/system-parts.ts';
import { startDevServer } from '../../base/harness/temporal.ts';
import { workflowBundleFile } from '../../base/harness/bundle.ts';
import { OPTIONS_KEY, type TempestContext } from './context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.getProvidedContext()[OPTIONS_KEY] ?? {};
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-vitest-'));
  const stoppers: (() => Promise<unknown>)[] = [];
  const teardown = async (): Promise<void> => {
    await stopAll(stoppers);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const needsProject = options.parts || options.bundle;
    const tempestProject = needsProject ? await loadProject({ configFile: options.config, cwd: project.config.root }) : undefined;
    const system = options.parts || (options.bundle && !tempestProject?.workflows) ? await loadSystem(tempestProject!) : undefined;
    const context: TempestContext = system
      ? { system: { taskQueues: system.workers.taskQueues, activitiesPath: system.activitiesPath } }
      : {};
    await Promise.all([
      (async () => {
        if (options.devServer === false) return;
        const server = await startDevServer({ logFile: path.join(dataDir, 'temporal.log') });
        stoppers.push(() => server.stop());
        context.devServer = { address: server.address, namespace: server.namespace };
      })(),
      (async () => {
        if (!options.parts || !system) return;
        const parts = await startParts(system.parts, { dataDir: path.join(dataDir, 'parts'), projectRoot: tempestProject!.root });
        stoppers.push(() => parts.stop());
        context.parts = parts.addresses;
      })(),
      (async () => {
        if (!options.bundle) return;
        const bundle = await workflowBundleFile(tempestProject!.workflows ?? system!.workflowsPath);
        context.workflowBundlePath = path.join(dataDir, 'workflows.bundle.js');
        copyFileSync(bundle, context.workflowBundlePath);
      })(),
    ]);
    project.provide('tempest', context);
    return teardown;
  } catch (error) {
    await teardown().catch(() => undefined);
    throw new Error(`tempest: could not start the test servers: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}
