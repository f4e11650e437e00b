/**
 * A corpus replayed across CI machines: `tempest replay --shard i/n` splits it the same way on every machine, the
 * parts never overlap and make the whole; `tempest replay merge` makes their reports one, and refuses reports that
 * do not make one whole corpus.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpusPart, parseShard, shardOf } from '../../src/features/replay/corpus';
import type { ReplayOutcome } from '../../src/features/replay/outcome';
import { mergeReplayReports, REPLAY_REPORT_SCHEMA, type ReplayReport, summarize } from '../../src/features/replay/report';
import { tempestSync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const corpus = path.join(REPO_ROOT, 'replay-histories');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tempest-shards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--shard i/n', () => {
  it.each(['0/4', '5/4', '1/0', '1', 'a/b', '1/4/2', ' 1/4', '1/10001'])('refuses %j, naming the flag and the form', (text) => {
    expect(() => parseShard(text)).toThrow(
      `--shard must be i/n, this machine's part of n (1 <= i <= n <= 10000), such as 1/4, got '${text}'`,
    );
  });

  it('splits a list into parts that never overlap, make the whole, and differ in size by one at most', () => {
    const items = Array.from({ length: 10_003 }, (_, i) => i);
    const parts = [1, 2, 3, 4].map((index) => shardOf(items, { index, count: 4 }));
    expect(parts.map((p) => p.length)).toEqual([2501, 2501, 2501, 2500]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(items);
    expect(shardOf(items, { index: 2, count: 4 })).toEqual(parts[1]); // the same split every time
  });

  it("loads only its part of a corpus, each .jsonl line a history of its own, and knows the whole corpus's size", async () => {
    // A .jsonl export of three histories next to the committed corpus's files.
    const dir = path.join(tmp, 'corpus');
    rmSync(dir, { recursive: true, force: true });
    const { histories: all } = await loadCorpusPart([corpus]);
    const jsonl = all
      .slice(0, 3)
      .map((h) => JSON.stringify(JSON.parse(readFileSync(h.file, 'utf8'))))
      .join('\n');
    const exported = path.join(tmp, 'exported.jsonl');
    writeFileSync(exported, `${jsonl}\n`);
    const whole = await loadCorpusPart([corpus, exported]);
    expect(whole.total).toBe(all.length + 3);
    const parts = await Promise.all([1, 2, 3].map((index) => loadCorpusPart([corpus, exported], { shard: { index, count: 3 } })));
    expect(parts.map((p) => p.total)).toEqual([whole.total, whole.total, whole.total]);
    const sources = parts.flatMap((p) => p.histories.map((h) => h.file));
    expect(new Set(sources).size).toBe(whole.total);
    expect(sources.sort()).toEqual(whole.histories.map((h) => h.file).sort());
    expect(sources).toEqual(expect.arrayContaining([`${exported}:1`, `${exported}:2`, `${exported}:3`]));
  });
});

const outcome = (workflowId: string, status: ReplayOutcome['status'] = 'passed'): ReplayOutcome => ({
  file: `/ci/${workflowId}.json`,
  workflowType: 'holdSeat',
  workflowId,
  runId: 'r',
  eventCount: 11,
  status,
  drifts: [],
});

function shardReport(index: number, count: number, results: ReplayOutcome[], ofTotal: number, strict = false): ReplayReport {
  return {
    schema: REPLAY_REPORT_SCHEMA,
    workflows: 'src/workflows.ts',
    strict,
    source: 'replay-histories',
    bundleMs: 1000 + index,
    bundleFromCache: false,
    replayMs: 10_000 * index,
    summary: summarize(results),
    results,
    shard: { index, count, ofTotal },
  };
}

describe('tempest replay merge', () => {
  const a = shardReport(1, 2, [outcome('h1'), outcome('h3', 'nondeterministic')], 4);
  const b = shardReport(2, 2, [outcome('h2'), outcome('h4')], 4);

  it('makes one report of the shards, in shard order, whatever order they are given in', () => {
    const merged = mergeReplayReports([
      { file: 'b.json', report: b },
      { file: 'a.json', report: a },
    ]);
    expect(merged.summary).toEqual({ total: 4, passed: 3, nondeterministic: 1, drifted: 0, failed: 0, unusable: 0 });
    expect(merged.results.map((r) => r.workflowId)).toEqual(['h1', 'h3', 'h2', 'h4']);
    expect(merged.replayMs).toBe(20_000); // the shards ran at once, on machines of their own
    expect(merged.mergedFrom).toEqual([
      { report: 'a.json', shard: { index: 1, count: 2 }, histories: 2, bundleMs: 1001, replayMs: 10_000 },
      { report: 'b.json', shard: { index: 2, count: 2 }, histories: 2, bundleMs: 1002, replayMs: 20_000 },
    ]);
  });

  it.each([
    [[['a.json', a]], 'shard 2/2 missing: the reports given are shards 1/2 of 4 histories'],
    [
      [
        ['a.json', a],
        ['a2.json', a],
        ['b.json', b],
      ],
      'a.json and a2.json: both are shard 1/2',
    ],
    [
      [
        ['a.json', a],
        ['c.json', shardReport(2, 3, [outcome('h2')], 4)],
      ],
      'c.json: shard 2/3 of 4 histories, while a.json is a shard of 2 parts of 4: merge the shards of one split',
    ],
    [
      [
        ['a.json', a],
        ['b.json', shardReport(2, 2, [outcome('h2')], 4)],
      ],
      'the shards replayed 3 histories, but the corpus they split held 4: replay every shard of the same corpus',
    ],
    [
      [
        ['a.json', a],
        ['b.json', { ...b, strict: true }],
      ],
      'a.json (not strict), b.json (strict): merge reports of the same kind of replay',
    ],
    [
      [
        ['a.json', a],
        ['whole.json', { ...b, shard: undefined }],
      ],
      'whole.json: not the report of a shard, unlike a.json; merge the shards of one split',
    ],
  ] as [[string, ReplayReport][], string][])('refuses reports that do not make one whole corpus (%#)', (reports, message) => {
    expect(() => mergeReplayReports(reports.map(([file, report]) => ({ file, report })))).toThrow(message);
  });

  it('on the command line: the exit code of the merged verdict, the parts and what did not replay clean', () => {
    const [fileA, fileB, merged] = ['a.json', 'b.json', 'merged.json'].map((name) => path.join(tmp, name));
    writeFileSync(fileA!, JSON.stringify(a));
    writeFileSync(fileB!, JSON.stringify(b));
    const run = tempestSync(['replay', 'merge', fileA!, fileB!, '--json', merged!]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout.split('\n')).toEqual([
      'Merged 2 replay reports (shards 1 to 2)',
      `  shard 1/2 ${fileA}: 2 histories, replayed in 10.0 s`,
      `  shard 2/2 ${fileB}: 2 histories, replayed in 20.0 s`,
      '  NONDET holdSeat       h3 (/ci/h3.json): non-deterministic',
      '4 histories: 3 passed, 1 non-deterministic, 0 drifted, 0 failed (the longest part replayed in 20.0 s)',
      '',
    ]);
    expect(JSON.parse(readFileSync(merged!, 'utf8'))).toMatchObject({ schema: REPLAY_REPORT_SCHEMA, summary: { total: 4 } });
  });

  it('on the command line: a file that is not a report, or a shard missing, is one line and exit 2', () => {
    const notReport = path.join(tmp, 'not-a-report.json');
    writeFileSync(notReport, '{"schema": "tempest.bench/v1"}');
    const bad = tempestSync(['replay', 'merge', notReport]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      `tempest: ${notReport}: not a tempest replay report ("schema" is "tempest.bench/v1", expected "tempest.replay/v1"); write one with \`tempest replay --json <file>\`\n`,
    ]);
    writeFileSync(path.join(tmp, 'only-a.json'), JSON.stringify(a));
    const missing = tempestSync(['replay', 'merge', path.join(tmp, 'only-a.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, 'tempest: shard 2/2 missing: the reports given are shards 1/2 of 4 histories\n']);
    expect(tempestSync(['replay', 'merge', path.join(tmp, 'nowhere.json')]).stderr).toBe(
      `tempest: ${path.join(tmp, 'nowhere.json')}: no such file\n`,
    );
  });
});
