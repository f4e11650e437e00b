/** The cluster providers by name: `local` (child processes), `docker` (containers), `external` (an existing cluster). */
import { dockerProvider } from './docker';
import { externalProvider } from './external';
import { localProvider } from './local';
import type { ClusterProvider, ExternalTemporal } from './types';

export const providers = { local: localProvider, docker: dockerProvider, external: externalProvider } as const satisfies Record<string, ClusterProvider>;

/** What a command line picks: a provider, and for `external` the cluster to put Toxiproxy in front of. */
export type ProviderChoice = { kind: 'local' } | { kind: 'docker' } | ({ kind: 'external'; namespace?: string } & ExternalTemporal);

/** The provider for a choice; an external cluster's address, namespace, TLS and API key are bound into its options. */
export function providerFor(choice: ProviderChoice): ClusterProvider {
  if (choice.kind === 'local' || choice.kind === 'docker') return providers[choice.kind];
  const { kind, namespace, ...external } = choice;
  return {
    name: kind,
    start: (options) => providers.external.start({ ...options, namespace: namespace ?? options.namespace, external }),
  };
}

export { cleanupStaleRuns, DEFAULT_STATE_DIR } from './run-registry';
export * from './types';
