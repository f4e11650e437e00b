import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalProvider } from '../../src/features/chaos/cluster/external';
import { freePort } from '../../src/base/harness/process';
import { type DevServer, isServing, startDevServer } from '../../src/base/harness/temporal';
import { childProcessesOf, newTransfer, startTransfer, useChaosCluster } from '../support/chaos-cluster';

// The "existing cluster": a dev server this file starts itself, on a port known before the chaos cluster starts.
const temporalPort = await freePort();
const address = `127.0.0.1:${temporalPort}`;
let existing: DevServer | undefined;
beforeAll(async () => {
  existing = await startDevServer({ port: temporalPort });
});
afterAll(async () => {
  await existing?.stop();
});

const world = useChaosCluster(externalProvider, { workers: 1, external: { address } });

describe('the external provider: Toxiproxy in front of an existing Temporal cluster', () => {
  it('controls the services and workers but not the server, and proxies both temporal links to it', () => {
    const { cluster } = world;
    expect(cluster.provider).toBe('external');
    expect([...cluster.processes.keys()]).toEqual(['bank', 'store', 'worker-1']);
    expect(cluster.directAddress).toBe(address);
    expect(cluster.link('client-temporal').upstream).toBe(address);
    expect(cluster.link('worker-temporal').upstream).toBe(address);
    expect(cluster.clientAddress).toBe(cluster.link('client-temporal').listen);
    expect(cluster.webUiUrl).toBeUndefined();
    expect(cluster.connectionOptions).toBeUndefined();
  });

  it('a transfer runs on the existing server; with worker-temporal down it stalls, and once up it completes', async () => {
    const { client, bank, cluster } = world;
    const first = await newTransfer(bank);
    await expect((await startTransfer(client, first)).result()).resolves.toMatchObject({ referenceId: first.referenceId });

    const second = await newTransfer(bank);
    const link = cluster.link('worker-temporal');
    await link.down();
    let handle;
    try {
      handle = await startTransfer(client, second);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await handle.describe()).raw.pendingActivities ?? []).toEqual([]);
    } finally {
      await link.up();
    }
    await expect(handle.result()).resolves.toMatchObject({ referenceId: second.referenceId });
  });

  it('stop ends every process it started and leaves the existing server running', async () => {
    await world.cluster.stop();
    for (const part of world.cluster.processes.values()) expect(part.running).toBe(false);
    expect(childProcessesOf(process.pid).filter((pid) => pid !== existing?.process.pid)).toEqual([]);
    expect(await isServing(address)).toBe(true);
  });
});
