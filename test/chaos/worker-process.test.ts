import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../src/base/harness/temporal';
import { bundleWorkflows } from '../../src/base/harness/worker';
import { startWorkerProcess } from '../../src/base/harness/workers';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { TASK_QUEUES } from '../../workflows/types';
import { PACKAGED_CODE } from '../support/chaos-cluster';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-worker-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWorkerProcess(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/base/harness/worker-process.ts', ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const validFlags = (overrides: Record<string, string> = {}): string[] =>
  Object.entries({
    '--address': '127.0.0.1:7233',
    '--namespace': 'default',
    '--task-queue': 'q',
    '--bundle': 'package.json',
    '--activities': PACKAGED_CODE.activitiesPath,
    '--part': 'bank=127.0.0.1:1',
    ...overrides,
  }).flat();

describe('the worker process', () => {
  it('a bad flag is a one-line error naming it, exit 2', () => {
    expect(runWorkerProcess([...validFlags(), '--bogus', 'x'])).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^worker: unknown flag --bogus \(usage: [^\n]+\)\n$/),
    });
  });

  it('an activities module without createActivities is a one-line error naming --activities, exit 2', () => {
    expect(runWorkerProcess(validFlags({ '--activities': 'workflows/types.ts' }))).toEqual({
      status: 2,
      stderr: 'worker: --activities workflows/types.ts: must export createActivities({ parts }) (or a default export of it)\n',
    });
  });

  it('an activities module that does not load is a one-line error naming --activities, the line and the cause, exit 2', () => {
    const broken = path.join(dir, 'broken-activities.ts');
    writeFileSync(broken, 'export function createActivities() {\n  return { withdraw( };\n}\n');
    const { status, stderr } = runWorkerProcess(validFlags({ '--activities': broken }));
    expect(status).toBe(2);
    expect(stderr).toMatch(new RegExp(`^worker: --activities ${broken}: cannot load the activities: line 2, column \\d+: [^\\n]+\\n$`));
  });

  it('polls every task queue, then SIGTERM shuts it down gracefully with exit 0', async () => {
    const [server, bundle] = await Promise.all([startDevServer(), bundleWorkflows(PACKAGED_CODE.workflowsPath)]);
    try {
      const bundlePath = path.join(dir, 'workflows.js');
      writeFileSync(bundlePath, bundle.code);
      const worker = await startWorkerProcess({
        name: 'worker-1',
        address: server.address,
        namespace: 'default',
        taskQueues: Object.values(TASK_QUEUES),
        bundle: bundlePath,
        activities: PACKAGED_CODE.activitiesPath,
        parts: { bank: '127.0.0.1:1', store: '127.0.0.1:2' },
        cwd: PROJECT_ROOT,
      });
      expect(worker.process.recentOutput()).toBe(
        JSON.stringify({ event: 'polling', pid: worker.pid, taskQueues: Object.values(TASK_QUEUES) }),
      );
      expect(await worker.process.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await server.stop();
    }
  });
});
