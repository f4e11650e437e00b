/**
 * Histories recorded mid-execution, in every pending state a running workflow can be in, replay clean against the
 * unchanged code with --strict: what the code does past the end of a history is its future, not drift. And a
 * history that ends mid-execution is still compared as far as it goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows, installQuietRuntime } from '../../src/base/harness/worker';
import { PACKAGED_WORKFLOWS } from '../support/repo';
import { eventTypeName, type LoadedHistory, loadHistories } from '../../src/base/history/history-file';
import { readManifest } from '../../src/features/replay/corpus';
import { recordHistories } from '../../src/features/replay/record';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { tempestSync } from '../support/cli';
import { uniqueId } from '../support/ids';
import { tempestContext } from 'tempest/vitest';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'replay');
const PENDING_WORKFLOWS = path.join(FIXTURES, 'pending-workflows.ts');
const run = uniqueId('pending');
const queue = (name: string): string => `${run}-${name}`;
const id = (state: string): string => `${run}-${state}`;

let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let corpus: string;
/** The packaged transfer's history, apart: it replays against the packaged workflows, not the fixture. */
let transfers: string;
let histories: Map<string, LoadedHistory>;

async function eventTypes(workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((event) => eventTypeName(event.eventType));
}

/** Wait until the workflow's history has reached `last`, the event the state ends with. */
async function until(workflowId: string, reached: (types: string[]) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (reached(await eventTypes(workflowId))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId} never reached its state: ${(await eventTypes(workflowId)).join(', ')}`);
}

const has = (type: string) => (types: string[]) => types.includes(type);

/** Drive one workflow into each pending state, with workers that stop (or never start) where the state needs. */
async function driveIntoEveryState(): Promise<string[]> {
  const bundle = await bundleWorkflows(PENDING_WORKFLOWS);
  const start = (type: string, state: string, args: unknown[] = [], taskQueue = queue('main')) =>
    client.workflow.start(type, { taskQueue, workflowId: id(state), args });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let pickedUp!: () => void;
  const activityRunning = new Promise<void>((resolve) => (pickedUp = resolve));
  const blockingStep = { step: async (name: string) => (pickedUp(), await released, `done ${name}`) };

  // No worker ever polls this queue: the first workflow task stays scheduled.
  await start('awaitsActivity', 'workflow-task-scheduled', ['x'], queue('nobody'));
  // A worker with the workflows only: activities stay scheduled, nothing answers them.
  const workflowsOnly = await Worker.create({ connection: nativeConnection, taskQueue: queue('main'), workflowBundle: bundle });
  await workflowsOnly.runUntil(async () => {
    await start('awaitsActivity', 'activity-scheduled', ['x']);
    await start('awaitsTimer', 'timer-started', ['1 day']);
    await start('awaitsTimer', 'timer-fired', ['2 seconds']);
    await start('awaitsSignal', 'signal-awaited');
    await start('awaitsSignal', 'signal-received');
    await start('awaitsSignal', 'cancel-requested');
    await start('awaitsUpdate', 'update-awaited');
    const updated = await start('awaitsUpdate', 'update-running');
    await start('awaitsChild', 'child-running');
    await until(id('activity-scheduled'), has('ActivityTaskScheduled'));
    await until(id('timer-started'), has('TimerStarted'));
    await until(id('timer-fired'), has('TimerStarted'));
    for (const state of ['signal-awaited', 'signal-received', 'cancel-requested', 'update-awaited', 'update-running'])
      await until(id(state), has('WorkflowTaskCompleted'));
    await updated.startUpdate('approve', { args: ['ada'], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await until(id('update-running'), has('TimerStarted'));
    await until(id('child-running'), has('ChildWorkflowExecutionStarted'));
    await until(`${id('child-running')}-child`, has('WorkflowTaskCompleted'));
  });
  // With the worker gone, what arrives now waits for a workflow task no one picks up.
  await client.workflow.getHandle(id('signal-received')).signal('release', 'late');
  await client.workflow.getHandle(id('cancel-requested')).cancel();
  await until(id('timer-fired'), has('TimerFired'));
  // The packaged transfer of the issue: started on a queue whose worker runs no activities.
  const packaged = await Worker.create({
    connection: nativeConnection,
    taskQueue: queue('transfers'),
    workflowBundle: { codePath: tempestContext().workflowBundlePath! },
  });
  await packaged.runUntil(async () => {
    const details = { sourceAccount: `${run}-a`, targetAccount: `${run}-b`, amount: 100, referenceId: run };
    await client.workflow.start('moneyTransfer', {
      taskQueue: queue('transfers'),
      workflowId: id('transfer-activity-scheduled'),
      args: [details],
    });
    await until(id('transfer-activity-scheduled'), has('ActivityTaskScheduled'));
  });
  // An activity that runs (and blocks) while the history is recorded.
  const running = await Worker.create({
    connection: nativeConnection,
    taskQueue: queue('running'),
    workflowBundle: bundle,
    activities: blockingStep,
  });
  await running.runUntil(async () => {
    await start('awaitsActivity', 'activity-running', ['x'], queue('running'));
    await until(id('activity-running'), has('ActivityTaskScheduled'));
    await activityRunning; // the worker has picked the activity up
    await recordHistories({
      cluster: { address: tempestContext().devServer!.address, namespace: 'default' },
      connection,
      selection: { workflowIds: [id('activity-running')], limit: 1 },
      outDir: corpus,
    });
    release();
  });
  return [
    'workflow-task-scheduled',
    'activity-scheduled',
    'timer-started',
    'timer-fired',
    'signal-awaited',
    'signal-received',
    'cancel-requested',
    'update-awaited',
    'update-running',
    'child-running',
    'child-running-child',
  ].map(id);
}

beforeAll(async () => {
  installQuietRuntime();
  connection = await Connection.connect({ address: tempestContext().devServer!.address });
  client = new Client({ connection });
  nativeConnection = await NativeConnection.connect({ address: tempestContext().devServer!.address });
  corpus = mkdtempSync(path.join(os.tmpdir(), 'tempest-pending-'));
  transfers = mkdtempSync(path.join(os.tmpdir(), 'tempest-pending-transfers-'));
  const ids = await driveIntoEveryState();
  const record = async (workflowIds: string[], outDir: string) => {
    const summary = await recordHistories({
      cluster: { address: tempestContext().devServer!.address, namespace: 'default' },
      connection,
      selection: { workflowIds, limit: workflowIds.length },
      outDir,
    });
    expect(summary.failures).toEqual([]);
  };
  await record(ids, corpus);
  await record([id('transfer-activity-scheduled')], transfers);
  const files = [corpus, transfers].flatMap((dir) => readManifest(dir).histories.map((entry) => path.join(dir, entry.file)));
  const loaded = await Promise.all(files.map((file) => loadHistories(file)));
  histories = new Map(loaded.flat().map((h) => [h.workflowId.slice(run.length + 1), h]));
});

afterAll(async () => {
  await Promise.allSettled([connection?.close(), nativeConnection?.close()]);
  for (const dir of [corpus, transfers]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function replay(workflowsPath: string, states: string[]): Promise<Map<string, ReplayOutcome>> {
  const replayer = await Replayer.create({ workflowsPath, strict: true });
  try {
    const outcomes = new Map<string, ReplayOutcome>();
    for await (const outcome of replayer.replay(states.map((state) => histories.get(state)!)))
      outcomes.set(outcome.workflowId.slice(run.length + 1), outcome);
    return outcomes;
  } finally {
    replayer.close();
  }
}

const lastEvents = (state: string, count: number): string[] =>
  (histories.get(state)!.history.events ?? []).slice(-count).map((e) => eventTypeName(e.eventType));

describe('histories recorded in every pending state', () => {
  it('end where each state says', () => {
    expect(Object.fromEntries([...histories.keys()].sort().map((state) => [state, lastEvents(state, 2)]))).toEqual({
      'activity-running': ['WorkflowTaskCompleted', 'ActivityTaskScheduled'], // its start is written when it ends
      'activity-scheduled': ['WorkflowTaskCompleted', 'ActivityTaskScheduled'],
      'cancel-requested': ['WorkflowExecutionCancelRequested', 'WorkflowTaskScheduled'],
      'child-running': ['WorkflowTaskStarted', 'WorkflowTaskCompleted'],
      'child-running-child': ['WorkflowTaskStarted', 'WorkflowTaskCompleted'],
      'signal-awaited': ['WorkflowTaskStarted', 'WorkflowTaskCompleted'],
      'signal-received': ['WorkflowExecutionSignaled', 'WorkflowTaskScheduled'],
      'timer-fired': ['TimerFired', 'WorkflowTaskScheduled'],
      'timer-started': ['WorkflowTaskCompleted', 'TimerStarted'],
      'transfer-activity-scheduled': ['UpsertWorkflowSearchAttributes', 'ActivityTaskScheduled'], // the patch marker's search attribute, then the withdraw
      'update-awaited': ['WorkflowTaskStarted', 'WorkflowTaskCompleted'],
      'update-running': ['TimerStarted', 'ActivityTaskScheduled'], // the handler's timer; the main body's activity
      'workflow-task-scheduled': ['WorkflowExecutionStarted', 'WorkflowTaskScheduled'],
    });
    const types = (state: string) => (histories.get(state)!.history.events ?? []).map((e) => eventTypeName(e.eventType));
    expect(types('update-running')).toContain('WorkflowExecutionUpdateAccepted');
    expect(types('child-running')).toContain('ChildWorkflowExecutionStarted');
  });

  it('replay clean with --strict against the code that recorded them: no false alarm', async () => {
    const states = [...histories.keys()].filter((state) => state !== 'transfer-activity-scheduled');
    const outcomes = [...(await replay(PENDING_WORKFLOWS, states)), ...(await replay(PACKAGED_WORKFLOWS, ['transfer-activity-scheduled']))];
    const falseAlarms = outcomes.filter(([, o]) => o.status !== 'passed');
    process.stdout.write(`strict false alarms over ${outcomes.length} histories recorded in every pending state: ${falseAlarms.length}\n`);
    expect(falseAlarms).toEqual([]);
    expect(outcomes).toHaveLength(13);
  });

  it('replay clean from the command line too (exit 0)', () => {
    const { code, stdout } = tempestSync(['replay', corpus, '--strict', '--workflows', path.relative(PROJECT_ROOT, PENDING_WORKFLOWS)]);
    expect(stdout).toMatch(/12 histories: 12 passed, 0 non-deterministic, 0 drifted, 0 failed/);
    expect(code).toBe(0);
  });

  it('are compared as far as they go: drift and divergence inside the history are found, changes past its end are not', async () => {
    const outcomes = await replay(path.join(FIXTURES, 'pending-workflows-changed.ts'), [
      'activity-scheduled',
      'workflow-task-scheduled',
      'signal-awaited',
      'timer-started',
      'timer-fired',
    ]);
    const retryDrift = {
      eventId: 5,
      what: 'retry maximumAttempts of activity step',
      recorded: '3',
      code: 'unset (the server records unlimited)',
    };
    expect(outcomes.get('activity-scheduled')).toMatchObject({ status: 'drifted', drifts: [retryDrift] });
    // Its workflow task never ran: the changed activity is still in its future.
    expect(outcomes.get('workflow-task-scheduled')?.status).toBe('passed');
    // Recorded: the first workflow task completed (event 4) with no command; the code now schedules one there.
    expect(outcomes.get('signal-awaited')?.divergence).toEqual({ eventId: 4, code: { kind: 'activity', name: 'step' } });
    expect(outcomes.get('timer-started')?.status).toBe('passed');
    expect(outcomes.get('timer-fired')?.status).toBe('passed');
  });
});
