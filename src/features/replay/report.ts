/**
 * The JSON report of a replay run (`tempest replay --json`), and the merge of the reports of a corpus replayed in
 * shards on several machines (`tempest replay --shard i/n`, then `tempest replay merge`) into one: the same report,
 * as if one machine had replayed it all. Pure: reading and checking the files is the caller's.
 */
import { UsageError } from '../../base/errors.ts';
import type { Shard } from './corpus.ts';
import type { ReplayOutcome } from './outcome.ts';

export const REPLAY_REPORT_SCHEMA = 'tempest.replay/v1';

export type ReplaySummary = Record<ReplayOutcome['status'] | 'total' | 'unusable', number>;

export interface ReplayReport {
  schema: typeof REPLAY_REPORT_SCHEMA;
  workflows: string;
  strict: boolean;
  /** Where the histories came from: the paths given, or the cluster query. */
  source: string;
  bundleMs: number;
  bundleFromCache: boolean;
  replayMs: number;
  summary: ReplaySummary;
  results: ReplayOutcome[];
  /** A shard's report: which part of how many, and how many histories all the parts hold together. */
  shard?: Shard & { ofTotal: number };
  /** A merged report: each part it was merged from, in shard order. */
  mergedFrom?: { report: string; shard?: Shard; histories: number; bundleMs: number; replayMs: number }[];
}

export function summarize(results: readonly ReplayOutcome[]): ReplaySummary {
  const summary = { total: results.length, passed: 0, nondeterministic: 0, drifted: 0, failed: 0, unusable: 0 };
  for (const r of results) {
    summary[r.status]++;
    if (r.unusable) summary.unusable++;
  }
  return summary;
}

const STATUSES = new Set(['passed', 'nondeterministic', 'drifted', 'failed']);

/** A report read from `file`, checked field by field; a UsageError naming the file and what is wrong. */
export function checkReplayReport(file: string, json: unknown): ReplayReport {
  const fail = (what: string): never => {
    throw new UsageError(`${file}: not a tempest replay report (${what}); write one with \`tempest replay --json <file>\``);
  };
  if (!json || typeof json !== 'object' || Array.isArray(json)) return fail('expected a JSON object');
  const report = json as Partial<ReplayReport>;
  if (report.schema !== REPLAY_REPORT_SCHEMA) fail(`"schema" is ${JSON.stringify(report.schema)}, expected "${REPLAY_REPORT_SCHEMA}"`);
  if (typeof report.strict !== 'boolean') fail('"strict" must be true or false');
  if (!Array.isArray(report.results)) fail('"results" must be a list');
  report.results!.forEach((result, i) => {
    if (!result || typeof result !== 'object' || !STATUSES.has(result.status) || typeof result.workflowId !== 'string')
      fail(`results[${i}] must have a workflowId and a status (passed, nondeterministic, drifted or failed)`);
  });
  const shard = report.shard;
  if (
    shard !== undefined &&
    !(
      Number.isSafeInteger(shard?.index) &&
      Number.isSafeInteger(shard?.count) &&
      Number.isSafeInteger(shard?.ofTotal) &&
      shard.index >= 1 &&
      shard.index <= shard.count
    )
  )
    fail('"shard" must be { index, count, ofTotal } with 1 <= index <= count');
  return report as ReplayReport;
}

/**
 * One report of shards' reports, in shard order (or of unsharded reports, in the order given). Refused, naming the
 * files, when they cannot make one whole: shards of different splits, a shard twice or missing, reports of strict
 * and non-strict replay mixed, sharded and unsharded mixed.
 */
export function mergeReplayReports(reports: readonly { file: string; report: ReplayReport }[]): ReplayReport {
  if (reports.length === 0) throw new UsageError('name the reports to merge: tempest replay merge <report.json>...');
  const strictness = new Set(reports.map(({ report }) => report.strict));
  if (strictness.size > 1)
    throw new UsageError(
      `${reports.map(({ file, report }) => `${file} (${report.strict ? 'strict' : 'not strict'})`).join(', ')}: merge reports of the same kind of replay`,
    );
  const sharded = reports.filter(({ report }) => report.shard);
  let ordered = [...reports];
  if (sharded.length > 0) {
    if (sharded.length < reports.length) {
      const unsharded = reports.filter(({ report }) => !report.shard).map(({ file }) => file);
      throw new UsageError(`${unsharded.join(', ')}: not the report of a shard, unlike ${sharded[0]!.file}; merge the shards of one split`);
    }
    const { count, ofTotal } = sharded[0]!.report.shard!;
    const other = reports.find(({ report }) => report.shard!.count !== count || report.shard!.ofTotal !== ofTotal);
    if (other)
      throw new UsageError(
        `${other.file}: shard ${other.report.shard!.index}/${other.report.shard!.count} of ${other.report.shard!.ofTotal} histories, while ${sharded[0]!.file} is a shard of ${count} parts of ${ofTotal}: merge the shards of one split`,
      );
    ordered = [...reports].sort((a, b) => a.report.shard!.index - b.report.shard!.index);
    const twice = ordered.find((r, i) => i > 0 && r.report.shard!.index === ordered[i - 1]!.report.shard!.index);
    if (twice) {
      const same = ordered.filter((r) => r.report.shard!.index === twice.report.shard!.index).map((r) => r.file);
      throw new UsageError(`${same.join(' and ')}: both are shard ${twice.report.shard!.index}/${count}`);
    }
    const have = new Set(ordered.map((r) => r.report.shard!.index));
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !have.has(index));
    if (missing.length > 0)
      throw new UsageError(
        `shard ${missing.map((index) => `${index}/${count}`).join(', ')} missing: the reports given are shards ${[...have].map((index) => `${index}/${count}`).join(', ')} of ${ofTotal} histories`,
      );
    const replayed = ordered.reduce((sum, r) => sum + r.report.results.length, 0);
    if (replayed !== ofTotal)
      throw new UsageError(
        `the shards replayed ${replayed} histories, but the corpus they split held ${ofTotal}: replay every shard of the same corpus`,
      );
  }
  const results = ordered.flatMap(({ report }) => report.results);
  const first = ordered[0]!.report;
  return {
    schema: REPLAY_REPORT_SCHEMA,
    workflows: first.workflows,
    strict: first.strict,
    source: [...new Set(ordered.map(({ report }) => report.source))].join(' '),
    bundleMs: Math.max(...ordered.map(({ report }) => report.bundleMs)),
    bundleFromCache: ordered.every(({ report }) => report.bundleFromCache),
    replayMs: Math.max(...ordered.map(({ report }) => report.replayMs)),
    summary: summarize(results),
    results,
    mergedFrom: ordered.map(({ file, report }) => ({
      report: file,
      ...(report.shard ? { shard: { index: report.shard.index, count: report.shard.count } } : {}),
      histories: report.results.length,
      bundleMs: report.bundleMs,
      replayMs: report.replayMs,
    })),
  };
}
