import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerProvider } from '../../src/features/chaos/cluster/docker';
import { portOf } from '../../src/features/chaos/cluster/links';
import { cleanupStaleRuns, RUN_LABEL } from '../../src/base/harness/run-registry';
import { startProcess, waitUntil } from '../../src/base/harness/process';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { newTransfer, startTransfer, timed, useChaosCluster, waitForPendingActivity } from '../support/chaos-cluster';
import { dockerForTests } from '../support/docker';

await dockerForTests();

/** Ids of the containers carrying every one of these labels (running, paused or stopped). */
function containers(...labels: string[]): string[] {
  const filters = labels.flatMap((label) => ['--filter', `label=${label}`]);
  return execFileSync('docker', ['ps', '--all', '--quiet', '--no-trunc', ...filters], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

const ours = (): string[] => containers(`tempest.harness-pid=${process.pid}`);

function containerState(id: string): { status: string; startedAt: string } {
  const [status, startedAt] = execFileSync('docker', ['inspect', '--format', '{{.State.Status}} {{.State.StartedAt}}', id], {
    encoding: 'utf8',
  })
    .trim()
    .split(' ');
  return { status: status!, startedAt: startedAt! };
}

/** The networks of the runs of a harness (this process by default). */
function networks(harnessPid = process.pid): string[] {
  return execFileSync('docker', ['network', 'ls', '--quiet', '--no-trunc', '--filter', `label=tempest.harness-pid=${harnessPid}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

describe.each(['host', 'bridge'] as const)('the docker cluster with %s networking: every part a container', (network) => {
  // One cluster per network mode; stopped by the last test, which checks that nothing is left.
  const world = useChaosCluster(dockerProvider, { workers: 2, docker: { network } });

  it('starts the dev server with its Web UI, Toxiproxy, the services and two workers, each in a labelled container', async () => {
    const { cluster } = world;
    expect(cluster.provider).toBe('docker');
    expect([...cluster.processes.keys()]).toEqual(['temporal', 'bank', 'store', 'worker-1', 'worker-2']);
    expect((await fetch(cluster.webUiUrl!)).ok).toBe(true);
    // temporal, toxiproxy, bank, store, two workers: one container each, all of this run.
    expect(ours()).toHaveLength(6);
    expect(containers(RUN_LABEL)).toEqual(expect.arrayContaining(ours())); // what a later cleanup removes them by
    for (const part of cluster.processes.values()) expect(part.running && part.pid! > 0).toBe(true);
    console.log(
      `docker cluster start-up (${network}): ${(world.startMs / 1000).toFixed(1)} s (images already built unless this run built them)`,
    );
  });

  // Defined for bridge only (rather than skipped for host): a skipped test would read as one that could not run.
  if (network === 'bridge')
    it('bridge: the parts share a network of the run, reach each other by name, and publish their ports on 127.0.0.1 only', () => {
      const { cluster } = world;
      const [own] = networks();
      expect(networks()).toHaveLength(1);
      for (const id of ours()) {
        const inspected = JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0] as {
          NetworkSettings: {
            Networks: Record<string, { NetworkID: string; Aliases: string[] | null }>;
            Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
          };
          Config: { Labels: Record<string, string> };
        };
        const attached = Object.values(inspected.NetworkSettings.Networks);
        expect(attached.map((n) => n.NetworkID)).toEqual([own]); // that network alone: no default bridge, no host
        expect(attached[0]!.Aliases).toContain(inspected.Config.Labels['tempest.part']);
        for (const [port, bindings] of Object.entries(inspected.NetworkSettings.Ports)) {
          expect(bindings).toEqual([{ HostIp: '127.0.0.1', HostPort: port.split('/')[0] }]); // the same port, loopback only
        }
      }
      // Toxiproxy forwards to the parts by name; the harness reaches everything on 127.0.0.1.
      expect(cluster.link('worker-temporal').upstream).toMatch(/^temporal:\d+$/);
      expect(cluster.link('worker-bank').upstream).toMatch(/^bank:\d+$/);
      expect(cluster.link('worker-store').upstream).toMatch(/^store:\d+$/);
      for (const address of [
        cluster.clientAddress,
        cluster.directAddress,
        new URL(cluster.parts.bank!.url).host,
        new URL(cluster.webUiUrl!).host,
      ]) {
        expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
      }
    });

  it('worker-bank down: the transfer waits; up: it completes and withdraws once', async () => {
    const { client, bank, cluster } = world;
    const link = cluster.link('worker-bank');
    const details = await newTransfer(bank);
    await link.down();
    let handle;
    try {
      handle = await startTransfer(client, details);
      const pending = await waitForPendingActivity(handle, 'withdraw', (a) => a.attempt >= 2 && a.lastFailure !== undefined);
      // The worker reaches the link through its request gate on 127.0.0.1 (host networking: the workers reach the
      // harness), or Toxiproxy by its name on the run's network (bridge: no gate).
      if (network === 'host') expect(pending.lastFailure).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+ \(withdraw\)/);
      else expect(pending.lastFailure).toContain(`toxiproxy:${portOf(link.listen)}`);
    } finally {
      await link.up();
    }
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    const operations = (await bank.audit()).operations.filter((op) => op.referenceId === details.referenceId);
    expect(operations.map((op) => op.kind)).toEqual(['withdraw', 'deposit']);
  });

  it('the temporal container killed with -9 and started again (same container, same database): running transfers complete', async () => {
    const { client, bank, cluster } = world;
    const transfers = await Promise.all([newTransfer(bank), newTransfer(bank)]);
    for (const details of transfers) {
      await bank.addFault({ operation: 'deposit', effect: 'delay', delayMs: 2000, count: 1, match: { referenceId: details.referenceId } });
    }
    const handles = await Promise.all(transfers.map((details) => startTransfer(client, details)));
    await Promise.all(handles.map((handle) => waitForPendingActivity(handle, 'deposit', (a) => a.lastWorkerIdentity !== '')));
    const temporal = cluster.processes.get('temporal')!;
    const [container] = containers(`tempest.harness-pid=${process.pid}`, 'tempest.part=temporal');
    const before = containerState(container!);

    await temporal.kill();
    expect(temporal.running).toBe(false);
    expect(containerState(container!).status).toBe('exited');
    const restartMs = await timed(() => temporal.restart());
    const after = containerState(container!);
    expect(after.status).toBe('running');
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(containers(`tempest.harness-pid=${process.pid}`, 'tempest.part=temporal')).toEqual([container]);
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.map((r) => r.referenceId)).toEqual(transfers.map((t) => t.referenceId));
    console.log(`docker temporal restart after kill -9: ${(restartMs / 1000).toFixed(1)} s`);
  });

  it('the bank container paused: withdraw waits for it, and completes once it is unpaused', async () => {
    const { client, bank, cluster } = world;
    const details = await newTransfer(bank);
    const bankPart = cluster.processes.get('bank')!;
    const [container] = containers(`tempest.harness-pid=${process.pid}`, 'tempest.part=bank');
    await bankPart.pause();
    expect(containerState(container!).status).toBe('paused');
    const started = performance.now();
    const handle = await startTransfer(client, details);
    try {
      await waitForPendingActivity(handle, 'withdraw', (a) => a.lastWorkerIdentity !== '');
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await bankPart.resume();
    }
    expect(containerState(container!).status).toBe('running');
    await expect(handle.result()).resolves.toMatchObject({ referenceId: details.referenceId });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('stop removes every container of the run, and its network', async () => {
    expect(ours()).toHaveLength(6);
    expect(networks()).toHaveLength(network === 'bridge' ? 1 : 0);
    await world.cluster.stop();
    expect(ours()).toEqual([]);
    expect(networks()).toEqual([]);
  });
});

describe('the docker provider: no orphan containers after the harness is killed with -9', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-docker-stale-'));
  const stateDir = path.join(root, 'state');
  afterAll(async () => {
    await cleanupStaleRuns(stateDir);
    rmSync(root, { recursive: true, force: true });
  });

  it('the next run removes the containers (and the bridge network) of a run whose harness is gone', async () => {
    const fixture = path.join(PROJECT_ROOT, 'test/fixtures/chaos/start-cluster-then-hang.ts');
    const { process: harness } = await startProcess({
      name: 'harness to be killed',
      command: process.execPath,
      args: ['--import', './scripts/register.mjs', fixture, path.join(root, 'killed-run'), stateDir, 'docker', 'bridge'],
      cwd: PROJECT_ROOT,
      readyTimeoutMs: 90_000,
      readyWhen: (probe) => probe.line((line) => (line.includes('"cluster-started"') ? true : undefined)),
    });
    const left = (): string[] => containers(`tempest.harness-pid=${harness.pid}`);
    expect(left()).toHaveLength(5); // temporal, toxiproxy, bank, store, one worker
    harness.signal('SIGKILL');
    await harness.exited;
    expect(left()).toHaveLength(5); // a kill -9 stops nothing: they are orphans now
    expect(networks(harness.pid)).toHaveLength(1);

    const [cleanup] = await cleanupStaleRuns(stateDir);
    expect(cleanup?.removedContainers).toHaveLength(5);
    await waitUntil('the orphans gone', async () => left().length === 0, 10_000);
    expect(networks(harness.pid)).toEqual([]);
  });
});
