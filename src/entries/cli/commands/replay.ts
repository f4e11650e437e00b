/**
 * `tempest replay [paths...] [--workflows <module>] [--strict] [--data-converter <module>] [--json <file>]`: replay
 * recorded histories against workflow code. With `--address` and `--query`/`--workflow-id` instead of paths, the
 * histories come straight from a cluster (a deploy-time check), with the same report.
 * Exit 0 when all replay clean, 1 when any does not, 2 when an input is unusable (a file that is not a history,
 * a history the replayer cannot process or whose replay stalled).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { installQuietRuntime } from '../../../base/harness/worker.ts';
import { fetchClusterHistories } from '../../../features/replay/cluster-histories.ts';
import { type CommandView, describeCommand } from '../../../features/replay/compare.ts';
import { writeFileAtomic } from '../../../base/files.ts';
import type { LoadedHistory } from '../../../base/history/history-file.ts';
import { loadCorpusPart, parseShard, type Shard, throwHistoryProblems } from '../../../features/replay/corpus.ts';
import {
  checkReplayReport,
  mergeReplayReports,
  REPLAY_REPORT_SCHEMA,
  type ReplayReport,
  type ReplaySummary,
  summarize,
} from '../../../features/replay/report.ts';
import { type ClusterOptions } from '../../../features/replay/record.ts';
import { DEFAULT_STALL_TIMEOUT_MS, type ReplayOutcome, Replayer } from '../../../features/replay/replayer.ts';
import { type ConnectionFlags, connectionFlagArgs, connectionFromFlags } from '../connection-flags.ts';
import { checkWritable, secondsFlag, wholeNumber } from '../flags.ts';
import { EXIT, oneLine, UsageError } from '../../../base/errors.ts';
import type { Project } from '../../../base/config/config.ts';
import { type ProjectFlags, projectOf, shownPath } from '../project.ts';

export interface ReplayCommandOptions extends ConnectionFlags, ProjectFlags {
  workflows?: string;
  strict?: boolean;
  json?: string;
  dataConverter?: string;
  parallel?: string;
  /** False with --no-bundle-cache. */
  bundleCache?: boolean;
  stallTimeout?: string;
  /** Replay straight from a cluster. */
  address?: string;
  namespace?: string;
  query?: string;
  workflowId?: string[];
  limit?: string;
  /** This machine's part of the corpus, i/n. */
  shard?: string;
}

const show = (view: CommandView | undefined, nothing: string): string => (view ? describeCommand(view) : nothing);

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Where a history came from, relative to `root` when it is a file under it. */
function sourceOf(file: string, root: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative;
}

/** The lines printed for one history. */
export function formatOutcome(outcome: ReplayOutcome, root: string): string[] {
  const name = `${outcome.workflowType.padEnd(14)} ${outcome.workflowId}`;
  const where = `${name} (${sourceOf(outcome.file, root)})`;
  switch (outcome.status) {
    case 'passed':
      return [`  ok     ${name}, ${outcome.eventCount} events`];
    case 'failed':
      return outcome.unusable
        ? [`  UNUSABLE ${where}: ${outcome.message}`]
        : [`  FAILED ${where}: the workflow task failed during replay`, `         ${outcome.message}`];
    case 'nondeterministic':
    case 'drifted': {
      const d = outcome.divergence;
      const lines = [
        outcome.status === 'nondeterministic'
          ? `  NONDET ${where}: non-deterministic${d ? ` at event ${d.eventId}` : ''}`
          : `  DRIFT  ${where}: replays, but the code would now do something else`,
      ];
      if (d) {
        lines.push(
          `         history: ${show(d.recorded, `nothing more: its workflow task completed at event ${d.eventId} without this command`)}${d.recorded ? ` (event ${d.eventId})` : ''}`,
        );
        lines.push(`         code:    ${show(d.code, 'nothing more: the code issued no further command here')}`);
      }
      for (const drift of outcome.drifts) {
        const change = drift.differences?.length
          ? drift.differences.join('; ')
          : `history ${formatValue(drift.recorded)}, code ${formatValue(drift.code)}`;
        lines.push(`         event ${drift.eventId}, ${drift.what}: ${change}`);
      }
      if (outcome.message) lines.push(`         sdk:     ${outcome.message}`);
      if (outcome.hint) lines.push(`         hint:    ${outcome.hint}`);
      return lines;
    }
  }
}

/** The histories to replay: files (all, or one shard's part of them), or (with --address) a cluster's executions. */
async function historiesToReplay(
  inputs: readonly string[],
  options: ReplayCommandOptions,
  project: Project,
  shard: Shard | undefined,
): Promise<{ histories: LoadedHistory[]; source: string; total: number }> {
  const fromCluster = options.address !== undefined || options.query !== undefined || (options.workflowId?.length ?? 0) > 0;
  if (!fromCluster) {
    const connectionFlag = connectionFlagArgs(options)[0];
    if (connectionFlag) throw new UsageError(`${connectionFlag} applies to a cluster: give its --address with --query or --workflow-id`);
    const paths = inputs.length > 0 ? inputs : [shownPath(project.corpus)];
    const part = await loadCorpusPart(paths, { shard });
    return { ...part, source: paths.join(' ') };
  }
  if (shard) throw new UsageError('--shard splits history files; replay a cluster (--address) whole');
  if (inputs.length > 0)
    throw new UsageError(`replay either files (${inputs.join(' ')}) or a cluster (--address with --query or --workflow-id), not both`);
  if (options.address === undefined) throw new UsageError('--query and --workflow-id replay from a cluster: give its --address too');
  if (options.query === undefined && !options.workflowId?.length) {
    throw new UsageError("with --address, choose what to replay: --query '<visibility query>' or --workflow-id <id> (repeatable)");
  }
  const cluster: ClusterOptions = { address: options.address, namespace: options.namespace ?? 'default', ...connectionFromFlags(options) };
  const limit = wholeNumber('--limit', options.limit ?? '100', { min: 1 });
  const { histories, problems } = await fetchClusterHistories({
    cluster,
    selection: { query: options.query, workflowIds: options.workflowId, limit },
  });
  if (problems.length > 0) throwHistoryProblems(problems);
  const what = options.query !== undefined ? `query ${JSON.stringify(options.query)}` : `workflow ids ${options.workflowId!.join(', ')}`;
  return { histories, source: `${cluster.address} (namespace ${cluster.namespace}), ${what}`, total: histories.length };
}

/** "12 histories: 10 passed, 1 non-deterministic, ...", what follows it in parentheses given. */
function summaryLine(summary: ReplaySummary, after: string): string {
  const unusable = summary.unusable > 0 ? ` (${summary.unusable} unusable)` : '';
  return `${summary.total} histories: ${summary.passed} passed, ${summary.nondeterministic} non-deterministic, ${summary.drifted} drifted, ${summary.failed} failed${unusable} (${after})`;
}

/** 0 every history replayed clean, 1 one did not, 2 one could not be judged. */
function exitCodeOf(summary: ReplaySummary): number {
  return summary.unusable > 0 ? EXIT.usageOrHarness : summary.passed === summary.total ? EXIT.ok : EXIT.verdictFailed;
}

export async function runReplay(inputs: readonly string[], options: ReplayCommandOptions): Promise<number> {
  const parallelism = options.parallel === undefined ? undefined : wholeNumber('--parallel', options.parallel, { min: 1 });
  const stallTimeoutMs =
    options.stallTimeout === undefined ? DEFAULT_STALL_TIMEOUT_MS : secondsFlag('--stall-timeout', options.stallTimeout);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const project = await projectOf(options);
  const workflowsPath = options.workflows ?? project.workflows;
  if (!workflowsPath)
    throw new UsageError('name the workflows module to replay against: --workflows <module>, or `workflows` in tempest.config.ts');
  const { histories, source, total } = await historiesToReplay(inputs, options, project, shard);
  installQuietRuntime(); // one lane replays in this process
  const replayer = await Replayer.create({
    workflowsPath,
    strict: options.strict,
    dataConverterPath: options.dataConverter ?? project.dataConverter,
    parallelism,
    bundleCache: options.bundleCache === false ? false : undefined,
    stallTimeoutMs,
  });
  try {
    const root = process.cwd();
    const part = shard ? ` of ${total} histories (shard ${shard.index}/${shard.count})` : ' histories';
    process.stdout.write(
      `Replaying ${histories.length}${part} against ${sourceOf(path.resolve(workflowsPath), root)}${options.strict ? ' (strict)' : ''}\n`,
    );
    const results: ReplayOutcome[] = [];
    const started = performance.now();
    for await (const outcome of replayer.replay(histories)) {
      results.push(outcome);
      process.stdout.write(`${formatOutcome(outcome, root).join('\n')}\n`);
    }
    const replayMs = performance.now() - started;
    const summary = summarize(results);
    const bundled = replayer.bundleFromCache
      ? `bundle from the cache in ${(replayer.bundleMs / 1000).toFixed(1)} s`
      : `bundled in ${(replayer.bundleMs / 1000).toFixed(1)} s`;
    process.stdout.write(`${summaryLine(summary, `${bundled}, replayed in ${(replayMs / 1000).toFixed(1)} s`)}\n`);
    if (options.json) {
      const report: ReplayReport = {
        schema: REPLAY_REPORT_SCHEMA,
        workflows: workflowsPath,
        strict: options.strict ?? false,
        source,
        bundleMs: replayer.bundleMs,
        bundleFromCache: replayer.bundleFromCache,
        replayMs,
        summary,
        results,
        ...(shard ? { shard: { ...shard, ofTotal: total } } : {}),
      };
      writeFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    const code = exitCodeOf(summary);
    if (replayer.stuck) {
      // The SDK's worker of a replay cut off in this process never returns: only ending the process ends it.
      await new Promise((resolve) => process.stdout.write('', resolve));
      process.exit(code);
    }
    return code;
  } finally {
    replayer.close();
  }
}

export interface ReplayMergeOptions {
  json?: string;
}

/**
 * `tempest replay merge <report.json>...`: the reports of a corpus replayed in shards (`--shard i/n --json ...` on
 * each machine of a CI matrix) as one: every history that did not replay clean, the summary of them all and the
 * exit code replay gives (0 all clean, 1 any not, 2 one unusable, or reports that do not make one whole corpus).
 */
export function runReplayMerge(files: readonly string[], options: ReplayMergeOptions): number {
  if (options.json !== undefined) checkWritable(options.json, '--json');
  const reports = files.map((file) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON: ${oneLine(error)}`;
      throw new UsageError(`${file}: ${reason}`, { cause: error });
    }
    return { file, report: checkReplayReport(file, json) };
  });
  const merged = mergeReplayReports(reports);
  const root = process.cwd();
  const parts = merged.mergedFrom!;
  process.stdout.write(
    `Merged ${parts.length} replay reports${parts[0]!.shard ? ` (shards 1 to ${parts[0]!.shard.count})` : ''}${merged.strict ? ' (strict)' : ''}\n`,
  );
  for (const part of parts)
    process.stdout.write(
      `  ${part.shard ? `shard ${part.shard.index}/${part.shard.count}` : 'report'} ${part.report}: ${part.histories} histories, replayed in ${(part.replayMs / 1000).toFixed(1)} s\n`,
    );
  for (const outcome of merged.results)
    if (outcome.status !== 'passed') process.stdout.write(`${formatOutcome(outcome, root).join('\n')}\n`);
  process.stdout.write(`${summaryLine(merged.summary, `the longest part replayed in ${(merged.replayMs / 1000).toFixed(1)} s`)}\n`);
  if (options.json !== undefined) writeFileAtomic(options.json, `${JSON.stringify(merged, null, 2)}\n`);
  return exitCodeOf(merged.summary);
}
