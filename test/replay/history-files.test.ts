import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findHistoryFiles } from '../../src/replay/corpus';
import { HistoryFileError, historyFileText, loadHistoryFile, parseHistory } from '../../src/replay/history-file';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const corpusFile = (await findHistoryFiles([path.join(PROJECT_ROOT, 'replay-histories', 'moneyTransfer')]))[0]!;
const good = readFileSync(corpusFile, 'utf8');

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
    ['a history that does not start with WorkflowExecutionStarted', '{"events":[{"eventId":"1","eventType":"EVENT_TYPE_TIMER_STARTED"}]}', 'the first event must be WorkflowExecutionStarted, found "EVENT_TYPE_TIMER_STARTED"'],
    ['spliced events', good.replace('"eventId": "3"', '"eventId": "7"'), 'events are not numbered 1..'],
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
    await expect(findHistoryFiles([`${dir}/nothing-*.json`])).rejects.toThrow(`${dir}/nothing-*.json: no such file, and no history files match it`);
  });
});
