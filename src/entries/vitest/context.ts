/** What the tempest plugin's global setup hands a test run (vitest's provide/inject), and the options it takes. */
import type { PartAddress } from '../../base/system-spec.ts';

export interface TempestVitestOptions {
  /** Start the pinned Temporal dev server once for the run and hand tests its address (default true). */
  devServer?: boolean;
  /** Start the system's parts (tempest.config.ts `system`) once, and hand tests their addresses (default false). */
  parts?: boolean;
  /** Bundle the workflows (the config's `workflows`, else the system's) once, for every worker of the run (default false). */
  bundle?: boolean;
  /** The project's tempest.config.ts (default: found from the vitest root upwards). */
  config?: string;
}

/** What tests get from `tempestContext()` (or `inject('tempest')`). */
export interface TempestContext {
  devServer?: { address: string; namespace: string };
  parts?: Record<string, PartAddress>;
  /** A workflow bundle written once (WorkerGroup's `workflowBundle: { codePath }`). */
  workflowBundlePath?: string;
  /** The system's task queues and activities module, when it has a system. */
  system?: { taskQueues: string[]; activitiesPath: string };
}

export const OPTIONS_KEY = 'tempest:options';

declare module 'vitest' {
  export interface ProvidedContext {
    tempest: TempestContext;
    'tempest:options': TempestVitestOptions;
  }
}
