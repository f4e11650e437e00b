/** Values the projects' global setups hand to their test files (vitest provide/inject). */
declare module 'vitest' {
  export interface ProvidedContext {
    bankUrl: string;
    storeUrl: string;
    /** A workflow bundle written once by the global setup, shared by every worker. */
    workflowBundlePath: string;
    /** e2e only: the dev server's gRPC address. */
    temporalAddress: string;
  }
}

export {};
