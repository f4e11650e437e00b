/**
 * The cluster providers by name: `local` (child processes, the dev server), `services` (child processes, Temporal as
 * separate services on PostgreSQL), `docker` (containers), `external` (an existing cluster).
 */
import { dockerProvider } from './docker.ts';
import { externalProvider } from './external.ts';
import { localProvider } from './local.ts';
import { servicesProvider } from './services.ts';
import type { ClusterProvider, DockerNetworkMode, ExternalTemporal } from './types.ts';

export const providers = {
  local: localProvider,
  services: servicesProvider,
  docker: dockerProvider,
  external: externalProvider,
} as const satisfies Record<string, ClusterProvider>;

/** What a command line picks: a provider, and for `external` the cluster to put Toxiproxy in front of. */
export type ProviderChoice =
  | { kind: 'local' }
  | { kind: 'services' }
  | { kind: 'docker'; network?: DockerNetworkMode }
  | ({ kind: 'external'; namespace?: string } & ExternalTemporal);

/**
 * The provider for a choice; the docker network mode, and an external cluster's address, namespace, TLS and API
 * key, are bound into its options.
 */
export function providerFor(choice: ProviderChoice): ClusterProvider {
  if (choice.kind === 'local') return providers.local;
  if (choice.kind === 'services') return providers.services;
  if (choice.kind === 'docker') {
    const { network } = choice;
    return network
      ? { ...providers.docker, start: (options) => providers.docker.start({ ...options, docker: { network } }) }
      : providers.docker;
  }
  const { kind, namespace, ...external } = choice;
  return {
    name: kind,
    capabilities: providers.external.capabilities,
    start: (options) => providers.external.start({ ...options, namespace: namespace ?? options.namespace, external }),
  };
}

export { cleanupStaleRuns } from '../../../base/harness/run-registry.ts';
export type {
  Cluster,
  ClusterOptions,
  ClusterProcess,
  ClusterProvider,
  DockerNetworkMode,
  ExternalTemporal,
  Link,
  ToxicSpec,
  WorkerCode,
} from './types.ts';
export { TOXICS } from './types.ts';
export { SERVICES_LINKS, SERVICES_PROCESSES } from './services-names.ts';
