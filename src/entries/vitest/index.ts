/**
 * `tempest/vitest`: real Temporal servers for a team's own vitest suite, with no download and no copied setup.
 *
 *   // vitest.config.ts
 *   import { tempest } from 'tempest/vitest';
 *   export default defineConfig({ plugins: [tempest({ parts: true, bundle: true })] });
 *
 *   // a test file
 *   const temporal = useDevServer();            // the run's dev server, connected for this file
 *   const timeSkipping = useTimeSkipping();     // this file's own time-skipping server (pinned binary)
 *   useWorkers(() => timeSkipping.nativeConnection); // the system's workflows and activities on it
 *
 * The plugin starts the pinned dev server (and, when asked, the system's parts and the workflow bundle) once per
 * run; the helpers connect each test file to them. Time skipping is global to one server, so each file gets its own
 * time-skipping server (files run in parallel); run the tests that share one serially.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import { createSystemActivities } from '../../base/harness/system-parts.ts';
import { createTimeSkippingEnvironment, type TimeSkippingOptions } from '../../base/harness/temporal.ts';
import { installQuietRuntime, NativeConnection, WorkerGroup } from '../../base/harness/worker.ts';
import { ownModule } from '../../base/package-root.ts';
import { OPTIONS_KEY, type TempestContext, type TempestVitestOptions } from './context.ts';

export type { TempestContext, TempestVitestOptions };

/** The vite/vitest plugin: adds tempest's global setup, with `options`, to the project's config. */
export function tempest(options: TempestVitestOptions = {}): {
  name: string;
  config(): { test: { globalSetup: string[]; provide: Record<string, unknown> } };
} {
  return {
    name: 'tempest',
    config: () => ({ test: { globalSetup: [ownModule(import.meta.url, './global-setup')], provide: { [OPTIONS_KEY]: options } } }),
  };
}

/** What the plugin's global setup provided; an error saying how to set it up when the plugin is not configured. */
export function tempestContext(): TempestContext {
  const context = inject('tempest');
  if (!context)
    throw new Error("tempest/vitest: nothing was provided; add `plugins: [tempest()]` (from 'tempest/vitest') to vitest.config.ts");
  return context;
}

export interface DevServerConnection {
  address: string;
  namespace: string;
  client: Client;
  nativeConnection: NativeConnection;
}

/** This file's connections to the run's dev server: opened before its tests, closed after them. */
export function useDevServer(): DevServerConnection {
  const world = {} as DevServerConnection;
  let close: (() => Promise<unknown>) | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    const server = tempestContext().devServer;
    if (!server) throw new Error('tempest/vitest: no dev server was started (the plugin has devServer: false)');
    const { Client, Connection } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    close = () => Promise.allSettled([connection.close(), nativeConnection.close()]);
    Object.assign(world, { ...server, client: new Client({ connection, namespace: server.namespace }), nativeConnection });
  });
  afterAll(async () => {
    await close?.();
  });
  return world;
}

export interface TimeSkipping {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
}

/**
 * This file's own time-skipping test server (the pinned binary, never the SDK's download): started before its
 * tests, torn down after them. Its tests share it, so they run serially (vitest's default within a file). Its clock
 * is frozen (virtual time moves only when tests move it) unless `clock: 'real'`.
 */
export function useTimeSkipping(options: TimeSkippingOptions = {}): TimeSkipping {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    installQuietRuntime();
    env = await createTimeSkippingEnvironment(options);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const started = (): TestWorkflowEnvironment => {
    if (!env) throw new Error('tempest/vitest: the time-skipping environment is used before beforeAll started it');
    return env;
  };
  return {
    get env() {
      return started();
    },
    get client() {
      return started().client;
    },
    get nativeConnection() {
      return started().nativeConnection;
    },
  };
}

export interface UseWorkersOptions {
  /** The task queues (default: the system's). */
  taskQueues?: string[];
  /** The activities (default: the system's, talking to the parts the plugin started). */
  activities?: object;
  namespace?: string;
}

/**
 * Workers for this file, on `connection()` (a dev server's or a time-skipping environment's native connection),
 * running the run's workflow bundle and the system's activities: started before its tests, shut down after them.
 */
export function useWorkers(connection: () => NativeConnection, options: UseWorkersOptions = {}): { workers?: WorkerGroup } {
  const holder: { workers?: WorkerGroup } = {};
  beforeAll(async () => {
    const context = tempestContext();
    if (!context.workflowBundlePath) throw new Error('tempest/vitest: no workflow bundle; give the plugin bundle: true');
    const taskQueues = options.taskQueues ?? context.system?.taskQueues;
    if (!taskQueues) throw new Error('tempest/vitest: no task queues; give useWorkers taskQueues, or the config a system');
    let activities = options.activities;
    if (!activities) {
      if (!context.system || !context.parts)
        throw new Error('tempest/vitest: no activities; give useWorkers activities, or the plugin parts: true with a system');
      activities = await createSystemActivities(context.system.activitiesPath, context.parts);
    }
    holder.workers = await WorkerGroup.create({
      connection: connection(),
      namespace: options.namespace,
      workflowBundle: { codePath: context.workflowBundlePath },
      activities,
      taskQueues,
    });
    void holder.workers.start();
  });
  afterAll(async () => {
    await holder.workers?.shutdown();
  });
  return holder;
}
