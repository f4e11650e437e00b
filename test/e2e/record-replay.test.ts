import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows, packagedActivities, PACKAGED_WORKFLOWS } from '../../src/harness/worker';
import { findHistoryFiles, readManifest } from '../../src/replay/corpus';
import { loadHistoryFile } from '../../src/replay/history-file';
import { recordHistories } from '../../src/replay/record';
import { type ReplayOutcome, Replayer } from '../../src/replay/replayer';
import { PROJECT_ROOT, resolveTool } from '../../src/toolchain/tools';
import { TASK_QUEUES, type TransferDetails, transferWorkflowId } from '../../workflows/types';
import { uniqueId } from '../support/ids';
import { useDevServerWorld } from '../support/dev-server';
import { TEMPEST_BIN } from '../support/cli';

const world = useDevServerWorld();
const run = uniqueId('rr');

async function transfers(count: number, prefix: string, taskQueue: string = TASK_QUEUES.moneyTransfer): Promise<string[]> {
  const [source, target] = [`${prefix}-src`, `${prefix}-dst`];
  await world.bank.openAccount({ accountId: source, balance: 100_000 });
  await world.bank.openAccount({ accountId: target, balance: 0 });
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const details: TransferDetails = { sourceAccount: source, targetAccount: i === 0 ? `${prefix}-ghost` : target, amount: 100 + i, referenceId: `${prefix}-${i}` };
      const workflowId = transferWorkflowId(details.referenceId);
      await world.client.workflow.execute('moneyTransfer', { taskQueue, workflowId, args: [details] }).catch(() => undefined);
      return workflowId;
    }),
  );
}

async function replayDir(dir: string, workflowsPath: string): Promise<ReplayOutcome[]> {
  const replayer = await Replayer.create({ workflowsPath, strict: true });
  try {
    const files = await findHistoryFiles([dir]);
    const outcomes: ReplayOutcome[] = [];
    for await (const o of replayer.replay(await Promise.all(files.map((f) => loadHistoryFile(f, path.basename(f)))))) outcomes.push(o);
    return outcomes;
  } finally {
    replayer.close();
  }
}

let recordedIds: string[];
let corpus: string;

beforeAll(async () => {
  recordedIds = await transfers(3, run);
  corpus = mkdtempSync(path.join(os.tmpdir(), 'tempest-recorded-'));
});

describe('record, then replay, against the dev server', () => {
  it('writes each history exactly as `temporal workflow show --output json` prints it, with a manifest entry', async () => {
    const summary = await recordHistories({
      cluster: { address: world.address, namespace: 'default' },
      selection: { workflowIds: recordedIds, limit: 10 },
      outDir: corpus,
      codeVersion: 'test-sha',
    });

    expect(summary.failures).toEqual([]);
    expect(summary.recorded).toHaveLength(3);
    for (const entry of summary.recorded) {
      const cli = execFileSync(resolveTool('temporal').path, ['workflow', 'show', '--workflow-id', entry.workflowId, '--run-id', entry.runId, '--output', 'json', '--address', world.address], { encoding: 'utf8' });
      expect(readFileSync(path.join(corpus, entry.file), 'utf8')).toBe(cli);
    }
    const manifest = readManifest(corpus).histories;
    expect(manifest.map((e) => [e.workflowType, e.workflowId, e.status, e.codeVersion, e.sdk.version]).sort()).toEqual(
      [
        ['moneyTransfer', recordedIds[0], 'failed', 'test-sha', '1.24.0'],
        ['moneyTransfer', recordedIds[1], 'completed', 'test-sha', '1.24.0'],
        ['moneyTransfer', recordedIds[2], 'completed', 'test-sha', '1.24.0'],
      ].sort(),
    );
  });

  it('records the same runs again without rewriting anything', async () => {
    const before = readdirSync(corpus, { recursive: true, encoding: 'utf8' }).map((f) => [f, statSync(path.join(corpus, f)).mtimeMs]);
    const summary = await recordHistories({ cluster: { address: world.address, namespace: 'default' }, selection: { workflowIds: recordedIds, limit: 10 }, outDir: corpus });
    expect({ recorded: summary.recorded.length, unchanged: summary.unchanged }).toEqual({ recorded: 0, unchanged: 3 });
    const after = readdirSync(corpus, { recursive: true, encoding: 'utf8' }).filter((f) => f !== 'manifest.json').map((f) => [f, statSync(path.join(corpus, f)).mtimeMs]);
    expect(after).toEqual(before.filter(([f]) => f !== 'manifest.json'));
  });

  it('replays what it recorded clean, strict included', async () => {
    const outcomes = await replayDir(corpus, PACKAGED_WORKFLOWS);
    expect(outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed']);
  });

  it('selects by visibility query from the CLI', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tempest-recorded-query-'));
    const query = `WorkflowType = 'moneyTransfer' AND WorkflowId STARTS_WITH 'transfer-${run}'`;
    let recorded: { workflowId: string }[] = [];
    // Visibility is eventually consistent: the closed runs may take a moment to be listed.
    for (let attempt = 0; attempt < 20 && recorded.length < 3; attempt++) {
      const stdout = execFileSync(process.execPath, [TEMPEST_BIN, 'histories', 'record', '--address', world.address, '--query', query, '--out', out, '--json'], { encoding: 'utf8' });
      recorded = [...recorded, ...(JSON.parse(stdout) as { recorded: { workflowId: string }[] }).recorded];
      if (recorded.length < 3) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recorded.map((r) => r.workflowId).sort()).toEqual([...recordedIds].sort());
  });

  it('leaves only whole files and a consistent manifest when interrupted (Ctrl-C) mid-recording', async () => {
    const ids = await transfers(12, `${run}-int`);
    const out = mkdtempSync(path.join(os.tmpdir(), 'tempest-recorded-int-'));
    const child = spawn(process.execPath, [TEMPEST_BIN, 'histories', 'record', '--address', world.address, '--workflow-id', ...ids, '--concurrency', '1', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('[2/12]')) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(130);
    const files = await findHistoryFiles([out]);
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThan(12);
    for (const file of files) await loadHistoryFile(file, 'x'); // each one whole
    expect(readManifest(out).histories.map((e) => path.join(out, e.file)).sort()).toEqual(files);
    expect(readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});

describe('patching, end to end', () => {
  it('histories of a patched() version replay on its deprecatePatch() successor; histories from before the patch do not', async () => {
    const taskQueue = 'money-transfer-patched';
    const patchedWorker = await Worker.create({
      connection: world.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patched.ts')),
      activities: packagedActivities({ bankUrl: world.bank.baseUrl, storeUrl: world.store.baseUrl }),
    });
    const ids = await patchedWorker.runUntil(transfers(2, `${run}-patched`, taskQueue));
    const out = mkdtempSync(path.join(os.tmpdir(), 'tempest-recorded-patched-'));
    await recordHistories({ cluster: { address: world.address, namespace: 'default' }, selection: { workflowIds: ids, limit: 2 }, outDir: out });
    const deprecated = path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patch-deprecated.ts');

    // patched() makes Core record the patch as a search attribute, which the code itself never asks for.
    expect((await replayDir(out, path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patched.ts'))).map((o) => o.status)).toEqual(['passed', 'passed']);
    expect((await replayDir(out, deprecated)).map((o) => o.status)).toEqual(['passed', 'passed']);
    const beforePatch = await replayDir(corpus, deprecated);
    expect(beforePatch.map((o) => o.status)).toEqual(['nondeterministic', 'nondeterministic', 'nondeterministic']);
  });
});
