import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localProvider } from '../../src/features/chaos/cluster/local';
import { identifyProcess } from '../../src/base/harness/run-registry';
import { waitUntil } from '../../src/base/harness/process';
import { type OrderDetails, orderSagaWorkflowId, TASK_QUEUES } from '../../workflows/types';
import { WITHDRAW_BUG } from '../fixtures/chaos/withdraw-broken-activities';
import { newTransfer, PACKAGED_CODE, startTransfer, timed, useChaosCluster, waitForPendingActivity } from '../support/chaos-cluster';
import { uniqueId } from '../support/ids';

// One cluster for the whole file: links first, then the code deploy, then process faults, and stop last.
const world = useChaosCluster(localProvider, { workers: 2 });

const restartMs: Record<string, number> = {};

function processNamed(name: string) {
  const part = world.cluster.processes.get(name);
  if (!part) throw new Error(`the cluster has no process ${name}`);
  return part;
}

async function killAndRestart(name: string): Promise<void> {
  const part = processNamed(name);
  await part.kill();
  expect(part.running).toBe(false);
  restartMs[name] = await timed(() => part.restart());
  expect(part.running).toBe(true);
}

function refusesConnections(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('the local cluster: each link carries its own traffic through Toxiproxy', () => {
  it('starts the dev server with its Web UI, the services and two workers, every link proxied on 127.0.0.1', async () => {
    const { cluster } = world;
    expect(cluster.provider).toBe('local');
    expect([...cluster.processes.keys()]).toEqual(['temporal', 'bank', 'store', 'worker-1', 'worker-2']);
    expect(cluster.webUiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(cluster.webUiUrl!)).ok).toBe(true);
    expect(cluster.link('client-temporal').upstream).toBe(cluster.directAddress);
    expect(cluster.link('worker-temporal').upstream).toBe(cluster.directAddress);
    expect(cluster.link('worker-bank').upstream).toBe(new URL(cluster.parts.bank!.url).host);
    expect(cluster.link('worker-store').upstream).toBe(new URL(cluster.parts.store!.url).host);
    for (const link of Object.values(cluster.links)) expect(link.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    console.log(`local cluster start-up: ${(world.startMs / 1000).toFixed(1)} s`);
  });

  it('client-temporal down: a client call fails (bounded by its deadline); up: calls work again', async () => {
    const { connection, cluster } = world;
    const link = cluster.link('client-temporal');
    await link.down();
    try {
      await expect(connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}))).rejects.toThrow();
    } finally {
      await link.up();
    }
    await waitUntil(
      'a client call through client-temporal succeeding',
      async () => {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
        return true;
      },
      30_000,
      { intervalMs: 250 },
    );
  });

  it('client-temporal latency of 400 ms delays every client call by at least that much', async () => {
    const { connection, cluster } = world;
    const link = cluster.link('client-temporal');
    const name = await link.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 400, jitter: 0 } });
    try {
      expect(await timed(() => connection.workflowService.getSystemInfo({}))).toBeGreaterThanOrEqual(400);
    } finally {
      await link.removeToxic(name);
    }
  });

  it('worker-bank timeout: withdraw times out and is retried; once the toxic is removed the transfer completes, withdrawing once', async () => {
    const { client, bank, cluster } = world;
    const link = cluster.link('worker-bank');
    const details = await newTransfer(bank);
    // Requests to the bank are dropped, so each call waits for the client's 4 s timeout.
    const name = await link.addToxic({ type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const handle = await startTransfer(client, details);
    try {
      const pending = await waitForPendingActivity(handle, 'withdraw', (a) => a.attempt >= 2 && a.lastFailure !== undefined);
      // The worker called the bank through the link (its request gate, then its proxy), not directly: the toxic held it.
      expect(pending.lastFailure).toMatch(/^no answer from http:\/\/127\.0\.0\.1:\d+ \(withdraw\) within 4000 ms$/);
      expect(pending.lastFailure).not.toContain(cluster.parts.bank!.url);
    } finally {
      await link.removeToxic(name);
    }
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    const operations = (await bank.audit()).operations.filter((op) => op.referenceId === details.referenceId);
    expect(operations.map((op) => op.kind)).toEqual(['withdraw', 'deposit']);
  });

  it('worker-temporal down stalls the workers (a transfer makes no progress); up lets it complete', async () => {
    const { client, bank, cluster } = world;
    const link = cluster.link('worker-temporal');
    const details = await newTransfer(bank);
    await link.down();
    let handle;
    try {
      handle = await startTransfer(client, details);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const { raw } = await handle.describe();
      expect(raw.pendingActivities ?? []).toEqual([]);
      expect((await bank.audit()).operations.filter((op) => op.referenceId === details.referenceId)).toEqual([]);
    } finally {
      await link.up();
    }
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
  });

  it('worker-store latency of 300 ms slows each store activity of an order saga by at least that much', async () => {
    const { client, store, cluster } = world;
    const sku = uniqueId('sku');
    const customerId = uniqueId('cust');
    await Promise.all([store.setStock({ sku, available: 5 }), store.openCustomer({ customerId, credit: 10_000 })]);
    const order: OrderDetails = {
      orderId: uniqueId('order'),
      customerId,
      items: [{ sku, quantity: 1 }],
      amount: 500,
      address: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', country: 'GB' },
    };
    const link = cluster.link('worker-store');
    const name = await link.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 300, jitter: 0 } });
    try {
      // Three store calls (reserve, charge, ship), each answer held 300 ms.
      const elapsed = await timed(() =>
        client.workflow.execute('orderSaga', {
          taskQueue: TASK_QUEUES.orders,
          workflowId: orderSagaWorkflowId(order.orderId),
          args: [order],
        }),
      );
      expect(elapsed).toBeGreaterThanOrEqual(900);
    } finally {
      await link.removeToxic(name);
    }
  });

  it('heal removes every toxic of a link and brings it up', async () => {
    const { connection, cluster } = world;
    const link = cluster.link('client-temporal');
    await link.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 5000, jitter: 0 } });
    await link.down();
    await link.heal();
    await waitUntil(
      'a fast client call after heal',
      async () => (await timed(() => connection.workflowService.getSystemInfo({}))) < 5000,
      30_000,
      {
        intervalMs: 250,
      },
    );
  });
});

describe('the local cluster: its progress channel', () => {
  it('hears every activity attempt from the workers’ probes and every request through the gates, in order, and offers both', async () => {
    const { cluster, client, bank } = world;
    expect(cluster.capabilities).toEqual(expect.arrayContaining(['activity-probe', 'request-gates', 'temporal-process']));
    expect(cluster.progress!.workers().sort()).toEqual(['worker-1', 'worker-2']);
    const details = await newTransfer(bank);
    const from = cluster.progress!.points.length;
    const handle = await startTransfer(client, details);
    await handle.result();
    const points = cluster.progress!.points.slice(from);
    const mine = points.filter((p) => p.source === 'request' || p.workflowId === handle.workflowId);
    expect(
      mine.map((p) => (p.source === 'activity' ? `${p.activityType} ${p.at} (attempt ${p.attempt})` : `${p.link} ${p.kind} ${p.at}`)),
    ).toEqual([
      'withdraw started (attempt 1)',
      'worker-bank POST /withdraw seen',
      'worker-bank POST /withdraw answered',
      'withdraw returned (attempt 1)',
      'deposit started (attempt 1)',
      'worker-bank POST /deposit seen',
      'worker-bank POST /deposit answered',
      'deposit returned (attempt 1)',
    ]);
    expect(mine.every((p) => !p.held)).toBe(true);
  });
});

describe('deployWorkers: the tutorial\'s "deploy a fixed worker"', () => {
  it('a transfer retries against workers with a broken withdraw, and completes once the fixed activities are deployed', async () => {
    const { client, bank, cluster } = world;
    const pidsBefore = [...cluster.processes.values()].filter((p) => p.name.startsWith('worker-')).map((p) => p.pid);
    await cluster.deployWorkers({
      ...PACKAGED_CODE,
      activitiesPath: path.join(import.meta.dirname, '../fixtures/chaos/withdraw-broken-activities.ts'),
    });
    const details = await newTransfer(bank);
    const handle = await startTransfer(client, details);
    const pending = await waitForPendingActivity(handle, 'withdraw', (a) => a.attempt >= 2 && a.lastFailure !== undefined);
    expect(pending.lastFailure).toBe(WITHDRAW_BUG);

    await cluster.deployWorkers(PACKAGED_CODE);
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    const workers = [...cluster.processes.values()].filter((p) => p.name.startsWith('worker-'));
    expect(workers.every((w) => w.running && !pidsBefore.includes(w.pid))).toBe(true);
  });
});

describe('the local cluster: process faults', () => {
  it('a worker killed with -9 while it runs withdraw: once restarted, the transfer completes and withdraws once', async () => {
    const { client, bank } = world;
    const details = await newTransfer(bank);
    // The bank holds the first withdraw for 3 s, so the activity is surely in flight when its worker dies.
    await bank.addFault({ operation: 'withdraw', effect: 'delay', delayMs: 3000, count: 1, match: { referenceId: details.referenceId } });
    const handle = await startTransfer(client, details);
    const pending = await waitForPendingActivity(handle, 'withdraw', (a) => a.lastWorkerIdentity !== '');
    const holder = [...world.cluster.processes.values()].find((p) => pending.lastWorkerIdentity.startsWith(`${p.pid}@`));
    expect(holder?.name).toMatch(/^worker-\d$/);

    await killAndRestart(holder!.name);
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    const operations = (await bank.audit()).operations.filter((op) => op.referenceId === details.referenceId);
    expect(operations.map((op) => op.kind)).toEqual(['withdraw', 'deposit']);
  });

  it('the dev server killed with -9 and restarted: running transfers continue and complete, and the workers survive it', async () => {
    const { client, bank } = world;
    const transfers = await Promise.all([newTransfer(bank), newTransfer(bank), newTransfer(bank)]);
    for (const details of transfers) {
      await bank.addFault({ operation: 'deposit', effect: 'delay', delayMs: 2000, count: 1, match: { referenceId: details.referenceId } });
    }
    const handles = await Promise.all(transfers.map((details) => startTransfer(client, details)));
    await Promise.all(handles.map((handle) => waitForPendingActivity(handle, 'deposit', (a) => a.lastWorkerIdentity !== '')));
    const workerPids = ['worker-1', 'worker-2'].map((name) => processNamed(name).pid);

    await killAndRestart('temporal');
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.map((r) => r.referenceId)).toEqual(transfers.map((t) => t.referenceId));
    expect(['worker-1', 'worker-2'].map((name) => processNamed(name).pid)).toEqual(workerPids);
    // ... and they keep taking new work.
    const after = await newTransfer(bank);
    await expect((await startTransfer(client, after)).result()).resolves.toMatchObject({ referenceId: after.referenceId });
  });

  it('the bank paused: withdraw waits for it, and completes once it resumes', async () => {
    const { client, bank } = world;
    const details = await newTransfer(bank);
    const bankProcess = processNamed('bank');
    await bankProcess.pause();
    expect(bankProcess.paused).toBe(true);
    const started = performance.now();
    const handle = await startTransfer(client, details);
    try {
      const pending = await waitForPendingActivity(handle, 'withdraw', (a) => a.lastWorkerIdentity !== '');
      expect(pending.attempt).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await bankProcess.resume();
    }
    expect(bankProcess.paused).toBe(false);
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('the bank killed with -9 and restarted keeps every account and operation (same port, same data)', async () => {
    const { client, bank, cluster } = world;
    const details = await newTransfer(bank);
    await (await startTransfer(client, details)).result();
    const before = await bank.audit();
    const bankUrl = cluster.parts.bank!.url;
    await killAndRestart('bank');
    expect(cluster.parts.bank!.url).toBe(bankUrl);
    expect(await bank.audit()).toEqual(before);
  });

  it('the store killed with -9 restarts on its port', async () => {
    const { store } = world;
    const before = await store.audit();
    await killAndRestart('store');
    expect(await store.audit()).toEqual(before);
  });

  it('healAll resumes paused processes, restarts killed ones and heals every link', async () => {
    const { cluster, client, bank } = world;
    await processNamed('store').pause();
    await processNamed('worker-2').kill();
    await cluster.link('worker-bank').down();
    await cluster.link('client-temporal').addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 3000, jitter: 0 } });

    await cluster.healAll();
    for (const part of cluster.processes.values())
      expect({ name: part.name, running: part.running, paused: part.paused }).toEqual({ name: part.name, running: true, paused: false });
    const details = await newTransfer(bank);
    await expect((await startTransfer(client, details)).result()).resolves.toMatchObject({ referenceId: details.referenceId });
    console.log(
      `restart times (ms, kill -9 then restart): ${JSON.stringify(Object.fromEntries(Object.entries(restartMs).map(([k, v]) => [k, Math.round(v)])))}`,
    );
  });
});

describe('stopping the local cluster', () => {
  it('stop leaves no process and no listening port behind, and forgets the run', async () => {
    const { cluster, stateDir } = world;
    const runsDir = path.join(stateDir, 'runs');
    const [runFile] = readdirSync(runsDir);
    const recorded = JSON.parse(readFileSync(path.join(runsDir, runFile!), 'utf8')) as { processes: Record<string, { pid: number }> };
    expect(Object.keys(recorded.processes).sort()).toEqual(['bank', 'store', 'temporal', 'toxiproxy', 'worker-1', 'worker-2']);
    const addresses = [
      cluster.directAddress,
      new URL(cluster.webUiUrl!).host,
      new URL(cluster.parts.bank!.url).host,
      new URL(cluster.parts.store!.url).host,
      ...Object.values(cluster.links).map((link) => link.listen),
    ];

    await cluster.stop();
    for (const part of cluster.processes.values()) expect(part.running).toBe(false);
    for (const { pid } of Object.values(recorded.processes)) expect(identifyProcess(pid), `pid ${pid}`).toBeUndefined();
    for (const address of addresses) expect(await refusesConnections(address), address).toBe(true);
    expect(readdirSync(runsDir)).toEqual([]);
  });
});
