/**
 * `tempest bench run` and `tempest bench compare`: measure the suites into a versioned JSON report, and compare two
 * reports with real statistics (exit 1 when a significant regression exceeds the threshold).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type CompareOptions,
  compareReports,
  type Comparison,
  DEFAULT_COMPARE_OPTIONS,
  DEFAULT_MAX_OTHER_WORK_SHARE,
} from '../../../features/bench/compare.ts';
import { judgeAbReport } from '../../../features/bench/judge-ab.ts';
import { abPlan } from '../../../features/bench/ab.ts';
import { parseAddress } from '../../../base/harness/parts.ts';
import type { PartAddress } from '../../../base/system-spec.ts';
import type { ClusterOptions } from '../../../features/replay/record.ts';
import { type ConnectionFlags, connectionFromFlags } from '../connection-flags.ts';
import { type AbFlags, isAb, resolveSides } from './bench-sides.ts';
import { keepFailureLogs, writeFileAtomic } from '../../../base/files.ts';
import { cleanupStaleRuns, RunRegistry } from '../../../base/harness/run-registry.ts';
import { formatEnvironmentValue, formatValue, overheadCells, shortSha } from '../../../features/bench/format.ts';
import { harnessOverhead, type OverheadRow } from '../../../features/bench/overhead.ts';
import { renderHtml } from '../../../features/bench/render-html.ts';
import { renderMarkdown, verdictHeadline } from '../../../features/bench/render-markdown.ts';
import { type BenchReport, readReport } from '../../../features/bench/report.ts';
import { runBenchmarks } from '../../../features/bench/run.ts';
import { medianInterval, minSamplesForPercentile, percentile } from '../../../features/bench/stats.ts';
import type { BenchSuite } from '../../../features/bench/suite.ts';
import { findSuite, SUITES } from '../../../features/bench/suites/index.ts';
import type { BenchTarget } from '../../../features/bench/context.ts';
import { loadWorkloads } from '../../../features/bench/workload.ts';
import { loadSystem } from '../../../features/chaos/catalog.ts';
import type { Project } from '../../../base/config/config.ts';
import { checkWorkerCode, type ProjectFlags, probed, projectOf, shownPath } from '../project.ts';
import { checkWritable, decimalFlag, existingFileFlag, secondsFlag, seedFlag, wholeNumber } from '../flags.ts';
import { EXIT, firstLine, HarnessError, Interrupted, NeverWorkedError, UsageError } from '../../../base/errors.ts';
import { interruptSignal, unlessInterrupted } from '../interrupt.ts';

export interface GateFlags {
  threshold?: string;
  alpha?: string;
  markdown?: string;
  html?: string;
  json?: boolean;
}

/** `--cluster external --address <host:port> [--namespace]` and the connection flags. */
export interface ExternalFlags extends ConnectionFlags {
  cluster?: string;
  address?: string;
  namespace?: string;
}

export interface BenchRunOptions extends ProjectFlags, AbFlags, GateFlags, ExternalFlags {
  suite?: string;
  out?: string;
  quick?: boolean;
  dataDir?: string;
  concurrency?: string;
  pairs?: string;
  maxDuration?: string;
  seed?: string;
  part?: string[];
}

export interface BenchCompareOptions extends GateFlags {
  maxOtherWork?: string;
}

export function listSuites(): void {
  for (const suite of SUITES)
    process.stdout.write(`${suite.name.padEnd(20)} ${suite.description}${suite.optIn ? ' (only with --suite)' : ''}\n`);
}

/** `--suite a,b`: every name must be a known suite; the default is all of them but the opt-in ones, in registry order. */
export function parseSuites(value: string | undefined): BenchSuite[] {
  if (value === undefined) return SUITES.filter((suite) => !suite.optIn);
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UsageError(`--suite needs at least one suite name; known suites: ${SUITES.map((s) => s.name).join(', ')}`);
  return names.map((name, index) => {
    const suite = findSuite(name);
    if (!suite) throw new UsageError(`unknown suite '${name}' in --suite; known suites: ${SUITES.map((s) => s.name).join(', ')}`);
    // Twice would measure every benchmark twice under one id, a report that bench compare refuses.
    if (names.indexOf(name) !== index) throw new UsageError(`--suite names '${name}' twice; name each suite once`);
    return suite;
  });
}

/** `--concurrency 1,4`: positive integers, each once; undefined when not given. */
export function parseConcurrency(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim());
  const levels = items.map((item) => (/^[1-9]\d{0,3}$/.test(item) ? Number(item) : Number.NaN));
  const bad = items.find((_, i) => Number.isNaN(levels[i]!));
  if (bad !== undefined || items.length === 0)
    throw new UsageError(`--concurrency must be comma-separated whole numbers from 1 to 9999, e.g. 1,4,16; got '${value}'`);
  const twice = levels.find((level, i) => levels.indexOf(level) !== i);
  if (twice !== undefined) throw new UsageError(`--concurrency names ${twice} twice; name each level once`);
  return levels;
}

/** What the suites measure: the project's system and workloads (a bad module is a usage error naming it). */
export async function benchTarget(options: ProjectFlags & { activities?: string }, suites: readonly BenchSuite[]): Promise<BenchTarget> {
  const project = await projectOf(options);
  await probed([project.system, project.benchmarks], 'system or benchmarks');
  const needsSystem = suites.some((suite) => suite.name !== 'replay');
  const loaded = project.system ? await loadSystem(project) : undefined;
  if (options.activities !== undefined && !loaded)
    throw new UsageError(`--activities replaces the system's activities, and ${project.configFile ?? 'the project'} sets no \`system\``);
  const system =
    loaded && options.activities !== undefined
      ? { ...loaded, activitiesPath: existingFileFlag('--activities', options.activities) }
      : loaded;
  const workloads = await loadWorkloads(project);
  if (needsSystem && (!system || workloads.length === 0)) {
    const missing = [...(system ? [] : ['`system`']), ...(workloads.length > 0 ? [] : ['`benchmarks`'])].join(' and ');
    throw new UsageError(
      `the ${suites
        .filter((s) => s.name !== 'replay')
        .map((s) => s.name)
        .join(
          ', ',
        )} suites run your workloads on your system: set ${missing} in ${project.configFile ?? 'a tempest.config.ts'} (or run --suite replay)`,
    );
  }
  if (system && needsSystem) {
    // A bench's workers get every part (startParts), in this process.
    const types = await checkWorkerCode({ ...system, parts: Object.keys(system.parts), corpus: project.corpus });
    const unknown = workloads.find((workload) => types.length > 0 && !types.includes(workload.workflowType));
    if (unknown) {
      throw new UsageError(
        `${shownPath(project.benchmarks!)}: workload ${unknown.name} starts workflow type '${unknown.workflowType}', which ${shownPath(system.workflowsPath)} does not export (it exports ${types.join(', ')})`,
      );
    }
  }
  return { project, system, workloads };
}

/** The flags of `bench run` that only an A/B run (`--base...`) or only an external cluster takes. */
function checkRunFlags(options: BenchRunOptions, suites: readonly BenchSuite[]): void {
  const ab = isAb(options);
  const abOnly: [string, unknown][] = [
    ['--pairs', options.pairs],
    ['--max-duration', options.maxDuration],
    ['--threshold', options.threshold],
    ['--alpha', options.alpha],
    ['--markdown', options.markdown],
    ['--html', options.html],
    ['--workflows', options.workflows],
    ['--seed', options.seed],
  ];
  const given = abOnly.find(([, value]) => value !== undefined);
  if (!ab && given) throw new UsageError(`${given[0]} applies to an A/B run: give --base <ref|dir>, --base-activities or --base-workflows`);
  if (ab) {
    const without = suites.filter((suite) => !suite.ab).map((suite) => suite.name);
    if (without.length > 0)
      throw new UsageError(
        `--base measures A/B, which the ${without.join(', ')} suite${without.length === 1 ? '' : 's'} cannot; run --suite throughput`,
      );
  }
  const cluster = options.cluster ?? 'dev';
  if (cluster !== 'dev' && cluster !== 'external')
    throw new UsageError(`--cluster must be dev (a dev server of the run's own) or external, got '${cluster}'`);
  if (cluster === 'external' && options.address === undefined)
    throw new UsageError("--cluster external needs --address <host:port> of the cluster's frontend");
  if (cluster !== 'external' && (options.address !== undefined || options.namespace !== undefined))
    throw new UsageError('--address and --namespace name an existing cluster: give --cluster external too');
  if (cluster === 'external' && suites.some((suite) => suite.name === 'throughput-services'))
    throw new UsageError(
      '--cluster external measures on that cluster: the throughput-services suite starts a cluster of its own; leave it out',
    );
}

/** `--cluster external --address ... [--namespace] [--tls...] [--api-key-env]`: the cluster to measure on. */
export function externalCluster(options: ExternalFlags): ClusterOptions | undefined {
  if ((options.cluster ?? 'dev') !== 'external') return undefined;
  if (!/^[^\s]+:\d{1,5}$/.test(options.address!)) throw new UsageError(`--address must be host:port, got '${options.address}'`);
  return { address: options.address!, namespace: options.namespace ?? 'default', ...connectionFromFlags(options) };
}

/**
 * `--part <name>=<host:port>`, once per part: parts that already run, used instead of starting the system's. The
 * address may be given as `tempest up` prints it (`http://127.0.0.1:4000`).
 */
export function parsePartFlags(values: readonly string[] | undefined): Record<string, PartAddress> | undefined {
  if (!values || values.length === 0) return undefined;
  const parts: Record<string, PartAddress> = {};
  for (const value of values) {
    const match = /^([A-Za-z][\w-]*)=(?:http:\/\/)?([^\s:/]+:\d{1,5})\/?$/.exec(value);
    if (!match) throw new UsageError(`--part must be <name>=<host:port>, got '${value}'`);
    if (match[1]! in parts) throw new UsageError(`--part ${match[1]} is given more than once`);
    parts[match[1]!] = parseAddress(match[2]!);
  }
  return parts;
}

/** `--threshold`, `--alpha` (and for compare `--max-other-work`): the gate's options. */
export function gateOptions(options: GateFlags & { maxOtherWork?: string }): CompareOptions {
  return {
    thresholdPercent: decimalFlag(
      '--threshold',
      options.threshold,
      DEFAULT_COMPARE_OPTIONS.thresholdPercent,
      (v) => v > 0,
      'a positive number of percent, e.g. 10',
    ),
    alpha: decimalFlag(
      '--alpha',
      options.alpha,
      DEFAULT_COMPARE_OPTIONS.alpha,
      (v) => v > 0 && v < 1,
      'a significance level between 0 and 1, e.g. 0.05',
    ),
    maxOtherWorkShare: decimalFlag(
      '--max-other-work',
      options.maxOtherWork,
      DEFAULT_MAX_OTHER_WORK_SHARE,
      (v) => v >= 0 && v <= 1,
      'a share of the cores between 0 and 1, e.g. 0.25',
    ),
  };
}

/** `--pairs auto|<n>`: undefined for auto. */
export function pairsFlag(value: string | undefined): number | undefined {
  if (value === undefined || value === 'auto') return undefined;
  return wholeNumber('--pairs', value, { min: 2, max: 1000 });
}

/** Every flag of `bench run`, checked before anything of the project loads. */
function runSettings(options: BenchRunOptions) {
  const ab = isAb(options);
  const suites = parseSuites(options.suite ?? (ab ? 'throughput' : undefined));
  const concurrency = parseConcurrency(options.concurrency);
  if (concurrency && !suites.some((suite) => suite.name.startsWith('throughput')))
    throw new UsageError("--concurrency sets the throughput suite's levels, and --suite leaves it out");
  checkRunFlags(options, suites);
  const gate = gateOptions(options);
  const pairs = pairsFlag(options.pairs);
  const maxDurationMs = options.maxDuration === undefined ? undefined : secondsFlag('--max-duration', options.maxDuration);
  const plan = abPlan({ quick: options.quick ?? false, pairs, maxDurationMs, thresholdPercent: gate.thresholdPercent });
  const external = externalCluster(options);
  const parts = parsePartFlags(options.part);
  if (options.out) checkWritable(options.out, '--out');
  const outputs = checkOutputs(options, options.out === undefined ? [] : [[options.out, 'the --out report']]);
  return { ab, suites, concurrency, gate, plan, seed: seedFlag(options.seed), external, parts, outputs };
}

export async function runBench(options: BenchRunOptions): Promise<number> {
  const { ab, suites, concurrency, gate, plan, seed, external, parts, outputs } = runSettings(options);
  const target = await benchTarget(options, suites);
  const out = options.out ?? defaultReportPath(target.project);
  checkWritable(out, '--out');
  const interrupted = interruptSignal();
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  const state = await openRunState(target.project, options.dataDir, progress);
  let removeCheckout = (): void => undefined;
  // Every exit path removes a temporary data directory (and a base checked out into it).
  const removeState = (): void => {
    removeCheckout();
    state.removeState();
  };
  let sides;
  try {
    if (ab) ({ sides, remove: removeCheckout } = await resolveSides(target, options, state.dataDir, progress));
  } catch (error) {
    removeState();
    throw error;
  }
  const abLabel = sides ? `, A/B: base ${sides.base.label}, head ${sides.head.label}, seed ${seed}` : '';
  progress(
    `tempest bench: ${suites.map((s) => s.name).join(', ')}${options.quick ? ' (quick)' : ''}${abLabel}; servers' state and logs in ${state.dataDir}`,
  );
  const running = runBenchmarks({
    target,
    suites,
    quick: options.quick ?? false,
    concurrency,
    activitiesShown: ab ? undefined : options.activities,
    ...(sides ? { ab: { sides, seed, plan } } : {}),
    external,
    parts,
    dataDir: state.dataDir,
    signal: interrupted,
    progress,
    registry: state.registry,
  });
  const report = await awaitRun(running, interrupted, { ...state, removeState });
  writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
  removeState();
  if (!ab) {
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report, out));
    return EXIT.ok;
  }
  progress(`Report written to ${out} (run took ${(report.run.durationMs / 1000).toFixed(1)} s)`);
  return judged(judgeAbReport(report, gate), outputs, options.json ? report : undefined);
}

export interface RunState {
  /** The parts' state and the servers' logs. */
  dataDir: string;
  /** `<outDir>/bench`: run records and a failed run's logs. */
  stateDir: string;
  ownsDataDir: boolean;
  registry: RunRegistry;
  /** Remove a temporary data directory and close the registry: on every exit path. */
  removeState(): void;
}

/**
 * The state of a run: its data directory (`--data-dir`, else a temporary one) and its record of every server it
 * starts. Like chaos runs, bench runs record every server they start: a run killed with -9 is cleaned up by the next.
 */
export async function openRunState(project: Project, dataDirFlag: string | undefined, progress: (line: string) => void): Promise<RunState> {
  const stateDir = path.join(project.outDir, 'bench');
  for (const stale of await cleanupStaleRuns(stateDir)) {
    const killed = stale.killed.map((p) => `${p.name} (pid ${p.pid})`).join(', ') || 'nothing was left running';
    progress(`cleaned up a benchmark run whose harness was killed (${stale.dataDir}): ${killed}`);
  }
  const ownsDataDir = dataDirFlag === undefined;
  const dataDir = dataDirFlag ?? mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-'));
  const registry = RunRegistry.open(stateDir, dataDir, { ownsDataDir });
  const removeState = (): void => {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    registry.close();
  };
  return { dataDir, stateDir, ownsDataDir, registry, removeState };
}

/** Wait for the run; an interruption or failure stops the servers, keeps a failed run's logs and removes the state. */
export async function awaitRun(
  running: Promise<BenchReport>,
  interrupted: AbortSignal,
  state: Omit<RunState, 'registry'>,
): Promise<BenchReport> {
  try {
    return await unlessInterrupted(interrupted, running);
  } catch (error) {
    if (error instanceof Interrupted) {
      // The suites stop at their next step once aborted; wait for them to stop the servers before saying so.
      await running.catch(() => undefined);
      state.removeState();
      throw error;
    }
    if (error instanceof UsageError) {
      state.removeState();
      throw error;
    }
    const logs = state.ownsDataDir ? keepFailureLogs(path.join(state.dataDir, 'logs'), state.stateDir) : path.join(state.dataDir, 'logs');
    state.removeState();
    if (error instanceof NeverWorkedError)
      throw new NeverWorkedError(`${error.message}${logs ? `; the servers' logs are kept in ${shownPath(logs)}` : ''}`, { cause: error });
    throw new HarnessError(
      `benchmark run failed: ${firstLine(error)}${logs ? ` (the servers' logs are kept in ${shownPath(logs)})` : ''}`,
      {
        cause: error,
      },
    );
  }
}

/** `--markdown` and `--html`: each writable, neither an input nor the other. */
export function checkOutputs(options: GateFlags, inputs: readonly [file: string, what: string][]): { markdown?: string; html?: string } {
  const written: [flag: string, file: string][] = [];
  for (const [flag, file] of [
    ['--markdown', options.markdown],
    ['--html', options.html],
  ] as const) {
    if (file === undefined) continue;
    checkWritable(file, flag);
    for (const [input, what] of inputs) {
      if (sameFile(file, input)) throw new UsageError(`${flag} ${file} is ${what}, which writing would overwrite; give another path`);
    }
    const earlier = written.find(([, other]) => sameFile(file, other));
    if (earlier) throw new UsageError(`${flag} ${file} is also the ${earlier[0]} file; give each output its own path`);
    written.push([flag, file]);
  }
  return { markdown: options.markdown, html: options.html };
}

/**
 * Print a comparison (Markdown, or `json` instead: the comparison, or the report of a run) and write its outputs;
 * the verdict is the exit code: 1 a regression beyond the threshold, 2 cannot judge, 0 pass, each said on stderr.
 */
export function judged(
  comparison: Comparison,
  outputs: { markdown?: string; html?: string },
  json?: unknown,
  overhead: OverheadRow[] = [],
): number {
  const markdown = renderMarkdown(comparison, overhead);
  // Render everything before writing anything, so a failure leaves no partial set of outputs.
  const html = outputs.html === undefined ? undefined : renderHtml(comparison, overhead);
  if (outputs.markdown !== undefined) writeFileAtomic(outputs.markdown, markdown);
  if (outputs.html !== undefined && html !== undefined) writeFileAtomic(outputs.html, html);
  // JSON has no Infinity (an unbounded change): it is written as the string "Infinity" rather than a silent null.
  if (json !== undefined)
    process.stdout.write(
      `${JSON.stringify(json, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2)}\n`,
    );
  else process.stdout.write(markdown);
  return verdictExit(comparison);
}

/** The exit code of a verdict, with its one-line headline on stderr. */
function verdictExit(comparison: Comparison): number {
  if (comparison.verdict === 'pass') return EXIT.ok;
  process.stderr.write(`tempest: ${verdictHeadline(comparison).replace(/^(❌|⚠) /, '')}: ${comparisonCulprits(comparison)}\n`);
  return comparison.verdict === 'fail' ? EXIT.verdictFailed : EXIT.usageOrHarness;
}

function comparisonCulprits(comparison: Comparison): string {
  if (comparison.verdict === 'fail') return comparison.failures.join(', ');
  return comparison.cannotJudge.map((row) => `${row.id} (${row.reason})`).join('; ');
}

/**
 * Compare two reports taken apart, or judge an A/B report alone (one argument); the verdict is the exit code (1 a
 * significant regression beyond the threshold, 2 cannot judge, 0 pass).
 */
export function compareBench(basePath: string, headPath: string | undefined, options: BenchCompareOptions): number {
  const gate = gateOptions(options);
  const outputs = checkOutputs(options, [
    [basePath, headPath === undefined ? 'the report' : 'the base report'],
    ...(headPath === undefined ? [] : [[headPath, 'the head report'] as [string, string]]),
  ]);
  const base = readReport(basePath);
  if (headPath === undefined) {
    if (base.run.mode !== 'ab')
      throw new UsageError(`${basePath} is the report of a single run: compare it with another (bench compare <base.json> <head.json>)`);
    const comparison = judgeAbReport(base, gate);
    return judged(comparison, outputs, options.json ? comparison : undefined);
  }
  const head = readReport(headPath);
  const comparison = compareReports(base, head, gate, { base: basePath, head: headPath });
  return judged(comparison, outputs, options.json ? comparison : undefined, harnessOverhead(head));
}

/** The same file: the same inode when both exist, else the same absolute path. */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

export function defaultReportPath(project: Project): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return shownPath(path.join(project.outDir, 'bench', `bench-${stamp}.json`));
}

/**
 * The text a person reads after a run: each benchmark's median and spread, latency percentiles the sample supports,
 * retry overheads with their interval, the harness overhead and what it could detect, warm-ups, and what was omitted.
 */
export function describeReport(report: BenchReport, file: string): string {
  const lines: string[] = [];
  const { environment: env } = report;
  lines.push(
    `Benchmarks of ${shortSha(env.gitSha)}${env.gitDirty ? ' (with uncommitted changes)' : ''} on ${env.cpuModel} x${env.cpuCores}, Node ${env.nodeVersion}, SDK ${env.sdkVersion}, Temporal CLI ${env.temporalCliVersion}`,
  );
  lines.push(
    `Dev server settings: ${formatEnvironmentValue(env.devServerConfig)}${report.run.activities ? `; activities: ${report.run.activities}` : ''}`,
  );
  lines.push('');
  const width = Math.max(...report.benchmarks.map((b) => b.id.length), 10);
  for (const b of report.benchmarks) {
    const s = b.summary;
    let extra = '';
    if (b.raw?.latencyMs && b.raw.latencyMs.length > 0)
      extra = `  (all ${b.raw.latencyMs.length} workflows: ${pooledPercentiles(b.raw.latencyMs)} ms)`;
    if (b.unit === 'ms' && b.suite === 'time-skipping') extra = `  (${formatValue(1000 / s.median)} workflows/s)`;
    if (typeof b.params.configuredBackoffMs === 'number') {
      const interval = medianInterval(b.samples);
      extra = `  (configured backoff ${b.params.configuredBackoffMs} ms; median's ${Math.round(interval.level * 100)}% interval ${formatValue(interval.low)} to ${formatValue(interval.high)} ms)`;
    }
    lines.push(
      `${b.id.padEnd(width)}  ${formatValue(s.median).padStart(8)} ${b.unit.padEnd(11)} IQR ${formatValue(s.iqr).padStart(7)}  n=${String(s.n).padEnd(4)}${extra}`,
    );
  }
  const omitted = report.omitted ?? [];
  if (omitted.length > 0) {
    const byMetric = new Map<string, number>();
    for (const { id } of omitted) byMetric.set(id.split('/').at(-1)!, (byMetric.get(id.split('/').at(-1)!) ?? 0) + 1);
    lines.push(
      '',
      `Not reported, their runs too short to support them (p95 needs 40 workflows a run, p99 200; the report's omitted list gives each reason): ${[...byMetric].map(([metric, count]) => `${count} ${metric}`).join(', ')}`,
    );
  }
  const overhead = harnessOverhead(report);
  if (overhead.length > 0) {
    lines.push(
      '',
      'Harness overhead against the bare SDK loop (same workload, pairs of samples back to back; "detects": the smallest overhead found 80% of the time):',
    );
    for (const row of overhead) {
      const cells = overheadCells(row);
      lines.push(
        `  ${row.workflow} c${row.concurrency} ${row.metric.padEnd(12)} harness ${formatValue(row.harnessMedian)} vs bare ${formatValue(row.rawMedian)} ${row.unit}: ${cells.overhead}${cells.interval ? ` (interval ${cells.interval})` : ''}, p=${cells.p}${cells.detects ? `, detects ${cells.detects}` : ''}`,
      );
    }
  }
  const warmUps = report.run.warmUps ?? [];
  if (warmUps.length > 0) {
    lines.push('', 'Warm-ups (windows of the workload until their rates agree):');
    for (const w of warmUps)
      lines.push(
        `  ${w.subject}: ${w.steady ? 'steady' : 'NOT steady'} after ${(w.durationMs / 1000).toFixed(1)} s (${w.rates.map(formatValue).join(', ')} workflows/s)`,
      );
  }
  lines.push('', `Run took ${(report.run.durationMs / 1000).toFixed(1)} s. Report written to ${file}`, '');
  return lines.join('\n');
}

/** p50, p95 and p99 of every workflow of a benchmark's runs, each only where the count supports it (else the maximum, named so). */
function pooledPercentiles(latencyMs: readonly number[]): string {
  const shown = [50, 95, 99].map((p) => {
    const value = percentile(latencyMs, p);
    return value === undefined ? undefined : `p${p} ${formatValue(value)}`;
  });
  const missing = [50, 95, 99].filter((_, i) => shown[i] === undefined);
  const max = `max ${formatValue(Math.max(...latencyMs))} (a p${missing[0]} needs ${minSamplesForPercentile(missing[0] ?? 99)})`;
  return [...shown.filter(Boolean), ...(missing.length > 0 ? [max] : [])].join(' / ');
}
