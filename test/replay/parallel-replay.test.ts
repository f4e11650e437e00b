/**
 * Replay runs in lanes (processes): outcomes come back in input order whatever lane replayed them, and a replay
 * that stops making progress is cut off with a clear message while the other histories still replay.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusHistories } from '../../src/features/replay/corpus';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { PACKAGED_WORKFLOWS } from '../support/repo';
import type { LoadedHistory } from '../../src/base/history/history-file';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const bundleCache = mkdtempSync(path.join(os.tmpdir(), 'tempest-bundles-'));
let corpus: LoadedHistory[];
let replayer: Replayer;

beforeAll(async () => {
  installQuietRuntime();
  corpus = await loadCorpusHistories([path.join(PROJECT_ROOT, 'replay-histories')]);
  replayer = await Replayer.create({ workflowsPath: PACKAGED_WORKFLOWS, strict: true, parallelism: 2, bundleCache, stallTimeoutMs: 3000 });
});

afterAll(() => {
  replayer?.close();
  rmSync(bundleCache, { recursive: true, force: true });
});

async function replayAll(histories: readonly LoadedHistory[]): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayer.replay(histories)) outcomes.push(outcome);
  return outcomes;
}

describe('parallel replay', () => {
  it('replays on two lanes and hands back every outcome in input order', async () => {
    // Ten copies of the corpus, each copy named apart, so the order of the outcomes can be checked exactly.
    const copies = Array.from({ length: 10 }, (_, copy) => corpus.map((h) => ({ ...h, file: `${h.file}#${copy}` }))).flat();
    const outcomes = await replayAll(copies);

    expect(replayer.lanesUsed).toBe(2);
    expect(outcomes.map((o) => o.file)).toEqual(copies.map((h) => h.file));
    expect(outcomes.filter((o) => o.status !== 'passed')).toEqual([]);
  });
});

describe('a replay that stops making progress', () => {
  it('is cut off after the stall timeout, reported unusable by name, and the others still replay', async () => {
    // An unknown event type in place of a workflow task's completion makes the SDK's Core panic and never answer.
    // Files like this are refused when loaded; built here by hand, it reaches the replayer.
    const [good] = corpus.filter((h) => h.workflowId === 'transfer-corpus-completed');
    const json = JSON.parse(readFileSync(good!.file, 'utf8')) as { events: { eventType: string }[] };
    json.events[3]!.eventType = 'EVENT_TYPE_FROBNICATED';
    const hanging: LoadedHistory = { ...good!, file: 'hangs-the-sdk.json', history: historyFromJSON(json) };

    const outcomes = await replayAll([good!, hanging, good!]);

    expect(outcomes.map((o) => [o.file, o.status, o.unusable ?? false])).toEqual([
      [good!.file, 'passed', false],
      ['hangs-the-sdk.json', 'failed', true],
      [good!.file, 'passed', false],
    ]);
    expect(outcomes[1]!.message).toMatch(
      /^its replay made no progress for 3 s and was cut off \(the SDK's replayer stopped answering(; its last output: .+)?\)$/,
    );

    // The replay worker in this process cannot be stopped: from now on child processes replay, and one that
    // stalls is killed, its last words (Core's panic) in the message.
    expect(replayer.stuck).toBe(true);
    const again = await replayAll([hanging, good!]);
    expect(again.map((o) => [o.status, o.unusable ?? false])).toEqual([
      ['failed', true],
      ['passed', false],
    ]);
    expect(again[0]!.message).toContain(
      'its last output: called `Result::unwrap()` on an `Err` value: Invalid history! Event Some(event 4) should be WFT completed, failed, or timed out',
    );
  });
});

describe('workflow code that never yields', () => {
  it('fails its replay once an activation runs past the time limit, instead of hanging the run', async () => {
    const spinning = await Replayer.create({
      workflowsPath: path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', 'spins-forever.ts'),
      bundleCache,
    });
    try {
      const outcomes: ReplayOutcome[] = [];
      for await (const outcome of spinning.replay(corpus.filter((h) => h.workflowId === 'transfer-corpus-completed')))
        outcomes.push(outcome);
      expect(outcomes.map((o) => [o.status, o.unusable ?? false])).toEqual([['failed', false]]);
      expect(outcomes[0]!.message).toBe(
        'the workflow code ran for more than 10 s in one activation (an endless loop?): Script execution timed out after 10000ms',
      );
    } finally {
      spinning.close();
    }
  });
});
