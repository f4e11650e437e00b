import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../src/base/harness/worker';
import { PACKAGED_WORKFLOWS } from '../support/repo';
import { createActivities } from '../../activities';
import { findHistoryFiles, readManifest, sha256 } from '../../src/features/replay/corpus';
import { loadHistoryFile } from '../../src/base/history/history-file';
import { recordHistories } from '../../src/features/replay/record';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { resolveTool } from '../../src/base/toolchain/tools';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { TASK_QUEUES, type TransferDetails, transferWorkflowId } from '../../workflows/types';
import { uniqueId } from '../support/ids';
import { useDevServerWorld } from '../support/dev-server';
import { freePort } from '../../src/base/harness/process';
import { TEMPEST_BIN, tempestAsync } from '../support/cli';
import { makeTestPki, startTlsFront } from '../support/tls-front';

const world = useDevServerWorld();
const run = uniqueId('rr');
const temporary: string[] = [];

/** A new temporary directory, removed when the file's tests are done. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

async function transfers(count: number, prefix: string, taskQueue: string = TASK_QUEUES.moneyTransfer): Promise<string[]> {
  const [source, target] = [`${prefix}-src`, `${prefix}-dst`];
  await world.bank.openAccount({ accountId: source, balance: 100_000 });
  await world.bank.openAccount({ accountId: target, balance: 0 });
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const details: TransferDetails = {
        sourceAccount: source,
        targetAccount: i === 0 ? `${prefix}-ghost` : target,
        amount: 100 + i,
        referenceId: `${prefix}-${i}`,
      };
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
  corpus = tempDir('tempest-recorded-');
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
      const cli = execFileSync(
        resolveTool('temporal').path,
        ['workflow', 'show', '--workflow-id', entry.workflowId, '--run-id', entry.runId, '--output', 'json', '--address', world.address],
        { encoding: 'utf8' },
      );
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
    const summary = await recordHistories({
      cluster: { address: world.address, namespace: 'default' },
      selection: { workflowIds: recordedIds, limit: 10 },
      outDir: corpus,
    });
    expect({ recorded: summary.recorded.length, unchanged: summary.unchanged }).toEqual({ recorded: 0, unchanged: 3 });
    const after = readdirSync(corpus, { recursive: true, encoding: 'utf8' })
      .filter((f) => f !== 'manifest.json')
      .map((f) => [f, statSync(path.join(corpus, f)).mtimeMs]);
    expect(after).toEqual(before.filter(([f]) => f !== 'manifest.json'));
  });

  it('replays what it recorded clean, strict included', async () => {
    const outcomes = await replayDir(corpus, PACKAGED_WORKFLOWS);
    expect(outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed']);
  });

  it('selects by visibility query from the CLI', async () => {
    const out = tempDir('tempest-recorded-query-');
    const query = `WorkflowType = 'moneyTransfer' AND WorkflowId STARTS_WITH 'transfer-${run}'`;
    let recorded: { workflowId: string }[] = [];
    // Visibility is eventually consistent: the closed runs may take a moment to be listed.
    for (let attempt = 0; attempt < 20 && recorded.length < 3; attempt++) {
      const stdout = execFileSync(
        process.execPath,
        [TEMPEST_BIN, 'histories', 'record', '--address', world.address, '--query', query, '--out', out, '--json'],
        { encoding: 'utf8' },
      );
      recorded = [...recorded, ...(JSON.parse(stdout) as { recorded: { workflowId: string }[] }).recorded];
      if (recorded.length < 3) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recorded.map((r) => r.workflowId).sort()).toEqual([...recordedIds].sort());
  });

  it('leaves only whole files and a consistent manifest when interrupted (Ctrl-C) mid-recording', async () => {
    const ids = await transfers(12, `${run}-int`);
    const out = tempDir('tempest-recorded-int-');
    const child = spawn(
      process.execPath,
      [TEMPEST_BIN, 'histories', 'record', '--address', world.address, '--workflow-id', ...ids, '--concurrency', '1', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let interruptedAt = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('[2/12]') && interruptedAt === 0) {
        interruptedAt = Date.now();
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    console.log(`Ctrl-C to exit mid-recording: ${((Date.now() - interruptedAt) / 1000).toFixed(2)} s`);

    expect(code).toBe(130);
    const files = await findHistoryFiles([out]);
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThan(12);
    for (const file of files) await loadHistoryFile(file, 'x'); // each one whole
    expect(
      readManifest(out)
        .histories.map((e) => path.join(out, e.file))
        .sort(),
    ).toEqual(files);
    expect(readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});

describe('recording, what it keeps and what it refuses', () => {
  it('strips failure stack traces, or redacts their paths, and the histories still replay clean', async () => {
    const failed = recordedIds[0]!; // the transfer to a ghost account: its failure carries stack traces
    const recordWith = async (stackTraces: 'keep' | 'strip' | 'redact'): Promise<string> => {
      const out = tempDir(`tempest-recorded-${stackTraces}-`);
      await recordHistories({
        cluster: { address: world.address, namespace: 'default' },
        selection: { workflowIds: [failed], limit: 1 },
        outDir: out,
        stackTraces,
      });
      expect((await replayDir(out, PACKAGED_WORKFLOWS)).map((o) => o.status)).toEqual(['passed']);
      return out;
    };
    const textOf = (out: string) => readFileSync(path.join(out, readManifest(out).histories[0]!.file), 'utf8');
    const stackTraces = (text: string) =>
      [...text.matchAll(/"stackTrace": "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);

    const kept = await recordWith('keep');
    expect(stackTraces(textOf(kept)).join('\n')).toContain(PROJECT_ROOT);
    expect(readManifest(kept).histories[0]!.stackTraces).toBeUndefined();

    const stripped = await recordWith('strip');
    expect(textOf(stripped)).not.toContain('"stackTrace"');
    expect(readManifest(stripped).histories[0]!.stackTraces).toBe('stripped');

    const redacted = await recordWith('redact');
    const traces = stackTraces(textOf(redacted));
    expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) expect(trace).not.toMatch(/(^|[\s('"])(file:\/\/)?\/[^\s]/);
    expect(traces.join('\n')).toMatch(/at toActivityError \(\.\.\.\/errors\.ts:\d+:\d+\)/);
    expect(readManifest(redacted).histories[0]!.stackTraces).toBe('redacted');
  });

  it('says what the server said about a malformed visibility query or an unknown search attribute (exit 2)', async () => {
    const runs = await Promise.all(
      ['WorkflowType = ', "NoSuchAttribute = 'x'"].map((query) =>
        tempestAsync([
          'histories',
          'record',
          '--address',
          world.address,
          '--query',
          query,
          '--out',
          path.join(os.tmpdir(), uniqueId('never-written')),
        ]),
      ),
    );
    expect(runs.map((r) => [r.code, r.stderr.trim()])).toEqual([
      [
        2,
        expect.stringMatching(
          /^tempest: --query "WorkflowType = ": the server rejected it: invalid query: malformed SQL query: syntax error at position \d+$/,
        ),
      ],
      [2, `tempest: --query "NoSuchAttribute = 'x'": the server rejected it: invalid query: invalid search attribute: NoSuchAttribute`],
    ]);
  });

  it("names the --tls-ca file when the server's certificate is not signed by it", async () => {
    const [serverPki, otherPki] = [makeTestPki(), makeTestPki()];
    temporary.push(serverPki.dir, otherPki.dir);
    const front = await startTlsFront(serverPki, await freePort(), world.address);
    try {
      const { code, stderr } = await tempestAsync([
        'histories',
        'record',
        '--address',
        front.address,
        '--tls-server-name',
        serverPki.serverName,
        '--tls-ca',
        otherPki.caFile,
        '--tls-cert',
        serverPki.clientCertFile,
        '--tls-key',
        serverPki.clientKeyFile,
        '--query',
        '',
        '--out',
        path.join(os.tmpdir(), uniqueId('never-written')),
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        new RegExp(
          `^tempest: cannot reach Temporal at ${front.address}: .+ \\(the server's certificate is not signed by the CA in --tls-ca ${otherPki.caFile}: [A-Z_]+\\)\n$`,
        ),
      );
    } finally {
      await front.close();
    }
  });

  it('a SIGKILL between a history file and the manifest is repaired by the next run, which says what it repaired', async () => {
    const ids = await transfers(3, `${run}-kill`);
    const out = tempDir('tempest-recorded-kill-');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'fixtures', 'replay', 'record-then-die.ts'), world.address, out, '2', ...ids],
      { cwd: PROJECT_ROOT, stdio: 'ignore' },
    );
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    // Killed after the second file, before the manifest: the files and the manifest disagree...
    const killed = await findHistoryFiles([out]);
    expect(killed).toHaveLength(2);
    expect(readManifest(out).histories.map((e) => e.workflowId)).toEqual([ids[0]]);

    // ...until the next run, even one that records something else.
    const next = await tempestAsync(['histories', 'record', '--address', world.address, '--workflow-id', ids[2]!, '--out', out]);
    expect(next.code).toBe(0);
    const second = path.relative(
      out,
      killed.find((f) => path.basename(f).startsWith(`${ids[1]}.`))!,
    );
    expect(next.stderr).toContain(`repaired: ${second}: written by an interrupted run; its entry is now in manifest.json`);
    const manifest = readManifest(out).histories;
    expect(manifest.map((e) => path.join(out, e.file)).sort()).toEqual(await findHistoryFiles([out]));
    expect(manifest.map((e) => e.workflowId).sort()).toEqual([...ids].sort());
    for (const entry of manifest) expect(sha256(readFileSync(path.join(out, entry.file), 'utf8'))).toBe(entry.sha256);
  });
});

describe('patching, end to end', () => {
  it('histories of a patched() version replay on its deprecatePatch() successor; histories from before the patch do not', async () => {
    const taskQueue = 'money-transfer-patched';
    const patchedWorker = await Worker.create({
      connection: world.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patched.ts')),
      activities: createActivities({ bank: world.bank, store: world.store }),
    });
    const ids = await patchedWorker.runUntil(transfers(2, `${run}-patched`, taskQueue));
    const out = tempDir('tempest-recorded-patched-');
    await recordHistories({
      cluster: { address: world.address, namespace: 'default' },
      selection: { workflowIds: ids, limit: 2 },
      outDir: out,
    });
    const deprecated = path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patch-deprecated.ts');

    // patched() makes Core record the patch as a search attribute, which the code itself never asks for.
    expect(
      (await replayDir(out, path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'patched.ts'))).map((o) => o.status),
    ).toEqual(['passed', 'passed']);
    expect((await replayDir(out, deprecated)).map((o) => o.status)).toEqual(['passed', 'passed']);
    const beforePatch = await replayDir(corpus, deprecated);
    expect(beforePatch.map((o) => o.status)).toEqual(['nondeterministic', 'nondeterministic', 'nondeterministic']);
  });
});
