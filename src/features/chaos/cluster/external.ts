/**
 * The `external` provider: an existing Temporal cluster (options.external: address, TLS, API key) with Toxiproxy
 * in front of it, so both temporal links can be faulted, plus the shared local parts (services, worker processes;
 * see process-cluster.ts). It does not control the server: its processes are bank, store, worker-1 .. worker-N.
 */
import { connectToCluster } from '../../replay/record.ts';
import { tlsConfig } from '../../../base/harness/tls.ts';
import type { WorkerTls } from '../../../base/harness/worker-flags.ts';
import { ClusterStartError, PROCESS_CLUSTER_CAPABILITIES, startProcessCluster, type TemporalFrontend } from './process-cluster.ts';
import type { ClusterProvider, ExternalTemporal } from './types.ts';

/**
 * TLS for connections that go through a local proxy: the certificate still names the cluster's host, not
 * 127.0.0.1, so the server name is the cluster's unless one is given. An API key implies TLS, as in the SDK.
 */
export function tlsThroughProxy(
  external: ExternalTemporal,
): Pick<TemporalFrontend, 'workerTls'> & { client?: ReturnType<typeof tlsConfig> } {
  const enabled = external.tls !== undefined ? external.tls !== false : external.apiKey !== undefined;
  if (!enabled) return {};
  const files = typeof external.tls === 'object' ? external.tls : {};
  const worker: WorkerTls = { ...files, serverName: files.serverName ?? hostOf(external.address) };
  return { workerTls: worker, client: tlsConfig(worker) };
}

function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':'));
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

/** Fail fast, before anything starts, when the cluster cannot be reached or has no such namespace. */
async function checkReachable(external: ExternalTemporal, namespace: string): Promise<void> {
  let connection;
  try {
    connection = await connectToCluster({ ...external, namespace });
    await connection.workflowService.describeNamespace({ namespace }).catch((error: unknown) => {
      throw new Error(`namespace ${namespace} is not usable on ${external.address}: ${(error as Error).message.split('\n')[0]}`);
    });
  } catch (error) {
    throw new ClusterStartError('external', (error as Error).message, { cause: error });
  } finally {
    await connection?.close();
  }
}

export const externalProvider: ClusterProvider = {
  name: 'external',
  // Not its server: an existing cluster's Temporal is not the harness's to kill.
  capabilities: PROCESS_CLUSTER_CAPABILITIES,
  start: async (options) => {
    const external = options.external;
    if (!external?.address) {
      throw new ClusterStartError('external', 'options.external.address is required: the host:port of the existing Temporal frontend');
    }
    await checkReachable(external, options.namespace ?? 'default');
    const tls = tlsThroughProxy(external);
    return startProcessCluster('external', options, async () => ({
      address: external.address,
      connectionOptions: tls.client || external.apiKey ? { tls: tls.client, apiKey: external.apiKey } : undefined,
      workerTls: tls.workerTls,
    }));
  },
};
