import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { PACKAGED_WORKFLOWS } from '../support/repo';
import { findHistoryFiles } from '../../src/features/replay/corpus';
import { parseHistory } from '../../src/base/history/history-file';
import { redactHistoryJson, redactionToken, redactPaths, treatStackTraces } from '../../src/features/replay/redact';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const KEY = 'test-key';
let text: string;
let replayer: Replayer;

beforeAll(async () => {
  installQuietRuntime();
  const [file] = await findHistoryFiles([path.join(PROJECT_ROOT, 'replay-histories', 'moneyTransfer', 'transfer-corpus-completed.*.json')]);
  text = readFileSync(file!, 'utf8');
  replayer = await Replayer.create({ workflowsPath: PACKAGED_WORKFLOWS, strict: true });
});

afterAll(() => replayer?.close());

function redacted(fields: string[]): string {
  return JSON.stringify(redactHistoryJson(JSON.parse(text), { fields, key: KEY }), null, 2);
}

async function replay(historyText: string): Promise<ReplayOutcome> {
  for await (const outcome of replayer.replay([parseHistory('redacted.json', historyText, 'transfer-corpus-completed')])) return outcome;
  throw new Error('no outcome');
}

describe('redaction', () => {
  it('replaces the named fields in every JSON payload with keyed tokens, equal values with equal tokens', () => {
    const out = redacted(['sourceAccount']);
    expect(out).not.toContain(Buffer.from('"corpus-alice"').toString('base64').slice(0, 12));
    const payloads = [...out.matchAll(/"data": "([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
    const withSource = payloads.filter((p) => p.includes('sourceAccount'));
    expect(withSource.length).toBeGreaterThan(2); // workflow input and each activity's input
    for (const payload of withSource) expect(JSON.parse(payload)).toMatchObject({ sourceAccount: redactionToken('corpus-alice', KEY) });
    expect(out).not.toMatch(/corpus-alice/);
  });

  it('leaves a history that still replays clean, strict included, when the workflow does not branch on the field', async () => {
    expect((await replay(redacted(['sourceAccount', 'targetAccount']))).status).toBe('passed');
  });

  it('breaks replay when the workflow branches on the redacted field (the documented limit)', async () => {
    // moneyTransfer validates that amount is a positive number: a token fails that check during replay.
    expect((await replay(redacted(['amount']))).status).toBe('nondeterministic');
  });
});

describe('failure stack traces', () => {
  const trace = [
    "ApplicationFailure: no account 'ghost'",
    '    at Function.create (/work/main/node_modules/@temporalio/common/src/failure.ts:228:12)',
    '    at toActivityError (/home/ada/bank/activities/errors.ts:27:32)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    '    at file:///srv/app/dist/worker.mjs:3:4',
    '    at C:\\Users\\ada\\app\\index.js:5:6',
  ].join('\n');

  it('redact keeps each frame and file name, and no machine path', () => {
    expect(redactPaths(trace).split('\n')).toEqual([
      "ApplicationFailure: no account 'ghost'",
      '    at Function.create (node_modules/@temporalio/common/src/failure.ts:228:12)',
      '    at toActivityError (.../errors.ts:27:32)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at .../worker.mjs:3:4',
      '    at .../index.js:5:6',
    ]);
  });

  it('apply to every failure of a history, causes included; strip removes them', () => {
    const history = { events: [{ failure: { message: 'outer', stackTrace: trace, cause: { message: 'inner', stackTrace: trace } } }] };
    expect(JSON.stringify(treatStackTraces(history, 'redact'))).not.toMatch(/\/work\/|\/home\/|\/srv\/|Users/);
    expect(treatStackTraces(history, 'strip')).toEqual({ events: [{ failure: { message: 'outer', cause: { message: 'inner' } } }] });
  });
});
