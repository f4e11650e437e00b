/**
 * Every divergence is named by its event and what each side did, for the commands the packaged workflows do not
 * send: a signal to another workflow, a child workflow, a continue-as-new. Histories recorded on the dev server,
 * replayed against code changed in each.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows, installQuietRuntime } from '../../src/base/harness/worker';
import type { Divergence } from '../../src/features/replay/compare';
import { type LoadedHistory, loadedHistory } from '../../src/base/history/history-file';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { uniqueId } from '../support/ids';
import { tempestContext } from 'tempest/vitest';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'replay');
const taskQueue = uniqueId('messaging');
const id = (name: string): string => `${taskQueue}-${name}`;

let connection: Connection;
let histories: Map<string, LoadedHistory>;

beforeAll(async () => {
  installQuietRuntime();
  connection = await Connection.connect({ address: tempestContext().devServer!.address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: tempestContext().devServer!.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(path.join(FIXTURES, 'messaging-workflows.ts')),
  });
  const firstRun = await worker.runUntil(async () => {
    const listening = await client.workflow.start('listener', { taskQueue, workflowId: id('listener') });
    await client.workflow.execute('signaller', { taskQueue, workflowId: id('signaller'), args: [id('listener')] });
    await listening.result();
    const spawning = await client.workflow.start('spawner', { taskQueue, workflowId: id('spawner') });
    // The child exists once the parent's first workflow task completed; ping it then.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.workflow.getHandle(id('spawner-child')).signal('ping', 'from the test');
        break;
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await spawning.result();
    const renewing = await client.workflow.start('renews', { taskQueue, workflowId: id('renews'), args: [0] });
    await renewing.result();
    return renewing.firstExecutionRunId;
  });
  await nativeConnection.close();
  const fetch = async (name: string, runId?: string) =>
    loadedHistory(name, await client.workflow.getHandle(id(name), runId).fetchHistory(), id(name));
  // The first run of renews: the one that continued as new.
  histories = new Map([
    ['signaller', await fetch('signaller')],
    ['spawner', await fetch('spawner')],
    ['renews', await fetch('renews', firstRun)],
  ]);
});

afterAll(async () => {
  await connection?.close();
});

async function replay(module: string): Promise<Map<string, ReplayOutcome>> {
  const replayer = await Replayer.create({ workflowsPath: path.join(FIXTURES, module), strict: true });
  try {
    const outcomes = new Map<string, ReplayOutcome>();
    for await (const outcome of replayer.replay([...histories.values()])) outcomes.set(outcome.file, outcome);
    return outcomes;
  } finally {
    replayer.close();
  }
}

const eventOf = (name: string, type: string): number =>
  Number(histories.get(name)!.history.events!.find((e) => (e as Record<string, unknown>)[type])!.eventId);

describe('divergences in what a workflow sends', () => {
  it('the recorded histories replay clean, strict, against the code that recorded them', async () => {
    const outcomes = await replay('messaging-workflows.ts');
    expect([...outcomes.values()].map((o) => [o.file, o.status])).toEqual([
      ['signaller', 'passed'],
      ['spawner', 'passed'],
      ['renews', 'passed'],
    ]);
  });

  it('name the event and both sides: a signal sent, a child workflow, a continue-as-new', async () => {
    const outcomes = await replay('messaging-workflows-changed.ts');
    const divergence = (name: string): Divergence | undefined => outcomes.get(name)?.divergence;

    expect(divergence('signaller')).toEqual({
      eventId: eventOf('signaller', 'signalExternalWorkflowExecutionInitiatedEventAttributes'),
      recorded: { kind: 'signal-external', name: 'ping', target: id('listener') },
      code: { kind: 'signal-external', name: 'pong', target: id('listener') },
    });
    expect(divergence('spawner')).toEqual({
      eventId: eventOf('spawner', 'startChildWorkflowExecutionInitiatedEventAttributes'),
      recorded: { kind: 'child-workflow', name: 'listener' },
      code: { kind: 'child-workflow', name: 'listenerV2' },
    });
    expect(divergence('renews')).toEqual({
      eventId: eventOf('renews', 'workflowExecutionContinuedAsNewEventAttributes'),
      recorded: { kind: 'continue-as-new', name: 'renews' },
      code: { kind: 'timer', name: '1s' },
    });
    for (const outcome of outcomes.values()) expect(['nondeterministic', 'drifted']).toContain(outcome.status);
  });
});
