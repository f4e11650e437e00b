import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { externalProvider } from '../../src/features/chaos/cluster/external';
import { localProvider } from '../../src/features/chaos/cluster/local';
import { ClusterStartError } from '../../src/features/chaos/cluster/process-cluster';
import type { ClusterOptions } from '../../src/features/chaos/cluster/types';
import { WorkflowBundleError } from '../../src/base/harness/bundle';
import { freePort } from '../../src/base/harness/process';
import { TASK_QUEUES } from '../../workflows/types';
import { childProcessesOf, PACKAGED_CODE, PACKAGED_SYSTEM } from '../support/chaos-cluster';

const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-chaos-failures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function options(name: string, overrides: Partial<ClusterOptions> = {}): ClusterOptions {
  const dataDir = path.join(root, name);
  return {
    ...PACKAGED_SYSTEM,
    dataDir,
    stateDir: path.join(dataDir, 'state'),
    workers: { ...PACKAGED_CODE, count: 1, taskQueues: Object.values(TASK_QUEUES) },
    ...overrides,
  };
}

describe('a cluster that cannot start fails with a one-line ClusterStartError and leaves nothing running', () => {
  it('external: an unreachable Temporal is reported before anything starts', async () => {
    const unreachable = `127.0.0.1:${await freePort()}`;
    const run = options('unreachable', { external: { address: unreachable } });
    const starting = externalProvider.start(run);
    await expect(starting).rejects.toThrow(ClusterStartError);
    await expect(starting).rejects.toThrow(new RegExp(`^external cluster: cannot reach Temporal at ${unreachable}: [^\\n]+$`));
    expect(existsSync(path.join(run.stateDir!, 'runs'))).toBe(false);
  });

  it('external: no address is a usage error naming the option', async () => {
    await expect(externalProvider.start(options('no-address'))).rejects.toThrow(
      'external cluster: options.external.address is required: the host:port of the existing Temporal frontend',
    );
  });

  it('local: workflows that do not bundle fail before anything starts or is written', async () => {
    const run = options('broken-workflows', {
      workers: { ...PACKAGED_CODE, workflowsPath: path.join(root, 'no-such-workflows.ts'), count: 1, taskQueues: ['q'] },
    });
    const starting = localProvider.start(run);
    await expect(starting).rejects.toThrow(WorkflowBundleError);
    await expect(starting).rejects.toThrow(/no-such-workflows\.ts cannot be bundled as workflow code: [^\n]*no such file[^\n]*$/);
    expect(childProcessesOf(process.pid)).toEqual([]);
    expect(existsSync(run.dataDir)).toBe(false);
    expect(existsSync(path.join(run.stateDir!, 'runs'))).toBe(false);
  });
});
