import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findHistoryFiles, manifestIndex } from '../../src/features/replay/corpus';
import { HistoryFileError, historyFileText, loadHistories, loadHistoryFile, parseHistory } from '../../src/base/history/history-file';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const corpusFile = (await findHistoryFiles([path.join(PROJECT_ROOT, 'replay-histories', 'moneyTransfer')]))[0]!;
const good = readFileSync(corpusFile, 'utf8');

/** The corpus file with one event changed (positions count from 1). */
function withEvent(position: number, change: (event: Record<string, unknown>) => void): string {
  const history = JSON.parse(good) as { events: Record<string, unknown>[] };
  change(history.events[position - 1]!);
  return JSON.stringify(history);
}

function problemWith(text: string): string {
  try {
    parseHistory('bad.json', text, 'wf');
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryFileError);
    return (error as Error).message;
  }
  return expect.fail('the file was accepted');
}

describe('history files', () => {
  it('loads a corpus file, naming its type, run and event count', async () => {
    const loaded = await loadHistoryFile(corpusFile, 'transfer-x');
    expect(loaded).toMatchObject({ workflowType: 'moneyTransfer', workflowId: 'transfer-x', eventCount: expect.any(Number) });
    expect(loaded.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes back exactly the bytes it read (the format of `temporal workflow show --output json`)', async () => {
    expect(historyFileText((await loadHistoryFile(corpusFile, 'x')).history)).toBe(good);
  });

  it.each([
    ['a truncated file', good.slice(0, good.length / 2), 'bad.json: not valid JSON (the file looks truncated)'],
    ['an empty file', '', 'bad.json: not valid JSON'],
    ['JSON without events', '{"workflowId":"x"}', 'bad.json: not a Temporal history: there is no "events" array'],
    ['an empty history', '{"events":[]}', 'bad.json: not a Temporal history: "events" is empty'],
    [
      'a history that does not start with WorkflowExecutionStarted',
      '{"events":[{"eventId":"1","eventType":"EVENT_TYPE_TIMER_STARTED"}]}',
      'the first event must be WorkflowExecutionStarted, found "EVENT_TYPE_TIMER_STARTED"',
    ],
    ['spliced events', good.replace('"eventId": "3"', '"eventId": "7"'), 'events are not numbered 1..'],
    // The SDK's Core panics and never answers on this one (an unknown type in place of WorkflowTaskCompleted).
    [
      'an unknown event type',
      withEvent(4, (e) => void (e.eventType = 'EVENT_TYPE_FROBNICATED')),
      'bad.json: event 4: unknown event type "EVENT_TYPE_FROBNICATED" (this replayer, @temporalio/proto 1.24.0, knows no such event)',
    ],
    ['an unknown numeric event type', withEvent(5, (e) => void (e.eventType = 999)), 'bad.json: event 5: unknown event type 999'],
    [
      'an event without the attributes of its type',
      withEvent(5, (e) => void delete e.activityTaskScheduledEventAttributes),
      'bad.json: event 5 (ActivityTaskScheduled): has no activityTaskScheduledEventAttributes',
    ],
    [
      'a started workflow task followed by something other than its end',
      withEvent(4, (e) => {
        e.eventType = 'EVENT_TYPE_WORKFLOW_EXECUTION_PAUSED';
        e.workflowExecutionPausedEventAttributes = {};
        delete e.workflowTaskCompletedEventAttributes;
      }),
      'bad.json: event 4 (WorkflowExecutionPaused): a started workflow task must be followed by WorkflowTaskCompleted, WorkflowTaskFailed or WorkflowTaskTimedOut',
    ],
    // Replaced by an unknown type, the workflow's completion used to pass replay as if the history ended there.
    [
      'an unknown type in place of the completion',
      withEvent(17, (e) => void (e.eventType = 'EVENT_TYPE_FROBNICATED')),
      'bad.json: event 17: unknown event type "EVENT_TYPE_FROBNICATED"',
    ],
  ])('rejects %s with a message naming the file', (_name, text, message) => {
    expect(problemWith(text)).toContain(message);
  });

  it('names a file it cannot read', async () => {
    await expect(loadHistoryFile('/no/such/history.json', 'x')).rejects.toThrow('/no/such/history.json: cannot read: ENOENT');
  });

  it('finds history files in directories and globs, and names an input that matches nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-find-'));
    writeFileSync(path.join(dir, 'a.json'), good);
    writeFileSync(path.join(dir, 'manifest.json'), '{}');
    writeFileSync(path.join(dir, '.a.json.partial-123'), 'half');
    expect(await findHistoryFiles([dir])).toEqual([path.join(dir, 'a.json')]);
    expect(await findHistoryFiles([`${dir}/*.json`])).toEqual([path.join(dir, 'a.json')]);
    await expect(findHistoryFiles([`${dir}/nothing-*.json`])).rejects.toThrow(
      `${dir}/nothing-*.json: no such file, and no history files match it`,
    );
  });

  it('names the execution as its start recorded it when no manifest does', () => {
    expect(parseHistory('exported.json', good).workflowId).toBe('transfer-corpus-completed');
  });
});

describe('.jsonl exports (`temporal workflow show --output jsonl`, one history per line)', () => {
  const line = JSON.stringify(JSON.parse(good));

  it('loads every line as a history named file:line, and finds them in folders like .json files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-jsonl-'));
    writeFileSync(path.join(dir, 'export.jsonl'), `${line}\n\n${line}\n`);
    const [file] = await findHistoryFiles([dir]);
    expect(file).toBe(path.join(dir, 'export.jsonl'));

    const histories = await loadHistories(file!);
    expect(histories.map((h) => [h.file, h.workflowId, h.eventCount])).toEqual([
      [`${file}:1`, 'transfer-corpus-completed', 17],
      [`${file}:3`, 'transfer-corpus-completed', 17],
    ]);
  });

  it('names the line that is not a history', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-jsonl-'));
    const file = path.join(dir, 'export.jsonl');
    writeFileSync(file, `${line}\n{"events": []}\n`);
    await expect(loadHistories(file)).rejects.toThrow(`${file}:2: not a Temporal history: "events" is empty`);
  });
});

describe('the corpus manifest', () => {
  it('is looked for where the corpus is (two levels above a history), and one that is not a tempest manifest is ignored', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-manifest-'));
    const corpus = path.join(root, 'project', 'replay-histories');
    mkdirSync(path.join(corpus, 'moneyTransfer'), { recursive: true });
    const file = path.join(corpus, 'moneyTransfer', 'a.json');
    writeFileSync(file, good);
    writeFileSync(path.join(root, 'manifest.json'), '{"name": "someone else\'s manifest"}');
    writeFileSync(path.join(root, 'project', 'manifest.json'), 'not even JSON');
    expect(manifestIndex([file]).size).toBe(0);

    const entry = { file: 'moneyTransfer/a.json', workflowId: 'from-the-manifest' };
    writeFileSync(path.join(corpus, 'manifest.json'), JSON.stringify({ schema: 'tempest.histories/v1', histories: [entry] }));
    expect(manifestIndex([file]).get(file)).toMatchObject(entry);
  });
});
