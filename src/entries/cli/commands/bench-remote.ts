/**
 * `tempest bench worker` and `tempest bench drive`: a benchmark spread over processes that can run on any host,
 * coordinated through the cluster by a run id (features/bench/remote). On one machine, N worker processes stand in
 * for N hosts.
 */
import os from 'node:os';
import { EXIT, UsageError } from '../../../base/errors.ts';
import { writeFileAtomic } from '../../../base/files.ts';
import { abPlan } from '../../../features/bench/ab.ts';
import { judgeAbReport } from '../../../features/bench/judge-ab.ts';
import { driveBenchmarks, type DriveLoad } from '../../../features/bench/remote/drive.ts';
import { RUN_ID } from '../../../features/bench/remote/channel.ts';
import { runBenchWorker } from '../../../features/bench/remote/worker.ts';
import type { Side } from '../../../features/bench/rounds.ts';
import { parseSuites } from './bench.ts';
import {
  awaitRun,
  benchTarget,
  checkOutputs,
  defaultReportPath,
  describeReport,
  type ExternalFlags,
  externalCluster,
  gateOptions,
  type GateFlags,
  judged,
  openRunState,
  pairsFlag,
  parseConcurrency,
  parsePartFlags,
} from './bench.ts';
import { checkWritable, existingFileFlag, secondsFlag, seedFlag, wholeNumber } from '../flags.ts';
import { interruptSignal } from '../interrupt.ts';
import type { ProjectFlags } from '../project.ts';
import type { BenchReport } from '../../../features/bench/report.ts';

export interface BenchWorkerOptions extends ProjectFlags, ExternalFlags {
  run?: string;
  side?: string;
  workerId?: string;
  workflows?: string;
  activities?: string;
  part?: string[];
  wait?: string;
}

export interface BenchDriveOptions extends ProjectFlags, ExternalFlags, GateFlags {
  run?: string;
  workers?: string;
  ab?: boolean;
  concurrency?: string;
  rates?: string;
  hold?: string;
  maxInFlight?: string;
  pairs?: string;
  maxDuration?: string;
  seed?: string;
  quick?: boolean;
  part?: string[];
  wait?: string;
  out?: string;
  dataDir?: string;
}

function runFlag(value: string | undefined, required: boolean): string {
  if (value === undefined) {
    if (required) throw new UsageError('--run <id> is required: the id the driver printed (tempest bench drive --run <id>)');
    return `r${Date.now().toString(36)}`;
  }
  if (!RUN_ID.test(value)) throw new UsageError(`--run must be letters, digits and dashes (at most 63), got '${value}'`);
  return value;
}

function sideFlag(value: string | undefined): Side | undefined {
  if (value === undefined) return undefined;
  if (value !== 'base' && value !== 'head') throw new UsageError(`--side must be base or head, got '${value}'`);
  return value;
}

/** The cluster a remote process connects to: --address is required (there is no run of its own to start). */
function remoteCluster(options: ExternalFlags): NonNullable<ReturnType<typeof externalCluster>> {
  if (options.address === undefined) throw new UsageError("--address <host:port> is required: the cluster's frontend");
  return externalCluster({ ...options, cluster: 'external' })!;
}

/** `tempest bench worker`: runs until the driver ends the run, or SIGINT/SIGTERM; exit 0 then. */
export async function runWorkerCommand(options: BenchWorkerOptions): Promise<number> {
  const run = runFlag(options.run, true);
  const side = sideFlag(options.side);
  const cluster = remoteCluster(options);
  const parts = parsePartFlags(options.part);
  const waitMs = options.wait === undefined ? 600_000 : secondsFlag('--wait', options.wait);
  const target = await benchTarget({ config: options.config, activities: options.activities }, parseSuites('throughput'));
  const system = target.system!;
  const workerId = options.workerId ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(workerId))
    throw new UsageError(`--worker-id must be letters, digits, dots, dashes or underscores, got '${workerId}'`);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await runBenchWorker({
    run,
    ...(side ? { side } : {}),
    workerId,
    cluster,
    workflowsPath: options.workflows === undefined ? system.workflowsPath : existingFileFlag('--workflows', options.workflows),
    activitiesPath: system.activitiesPath,
    ...(parts ? { parts } : {}),
    waitMs,
    signal: controller.signal,
    progress: (line) => void process.stderr.write(`${line}\n`),
  });
  return EXIT.ok;
}

/** The load `bench drive` applies, from its flags: open loop with --rates, A/B with --ab, else closed loop. */
function driveLoad(options: BenchDriveOptions, seed: number, thresholdPercent: number): DriveLoad {
  const concurrency = parseConcurrency(options.concurrency);
  if (options.rates !== undefined) {
    if (options.ab) throw new UsageError('--rates drives an open loop, which is not A/B: leave out --ab, or drive --concurrency');
    if (concurrency) throw new UsageError('--rates and --concurrency are two kinds of load: give one');
    const rates = options.rates.split(',').map((item) => Number(item.trim()));
    if (rates.length === 0 || rates.some((rate) => !(rate > 0 && rate <= 10_000)))
      throw new UsageError(`--rates must be comma-separated workflows per second above 0, e.g. 5,10,20,40; got '${options.rates}'`);
    return {
      kind: 'open',
      rates,
      holdMs: options.hold === undefined ? 20_000 : secondsFlag('--hold', options.hold),
      maxInFlight: options.maxInFlight === undefined ? 2000 : wholeNumber('--max-in-flight', options.maxInFlight, { min: 1, max: 100_000 }),
    };
  }
  if (options.hold !== undefined || options.maxInFlight !== undefined)
    throw new UsageError('--hold and --max-in-flight shape an open loop: give --rates too');
  if (options.ab) {
    const pairs = pairsFlag(options.pairs);
    const maxDurationMs = options.maxDuration === undefined ? undefined : secondsFlag('--max-duration', options.maxDuration);
    return {
      kind: 'ab',
      concurrency: concurrency ?? [1],
      seed,
      plan: abPlan({ quick: options.quick ?? false, pairs, maxDurationMs, thresholdPercent }),
    };
  }
  return { kind: 'closed', concurrency: concurrency ?? (options.quick ? [1, 4] : [1, 4, 16]) };
}

/** `tempest bench drive`: exit 0 when the run measured; an A/B run's verdict (0 pass, 1 regression, 2 cannot judge). */
export async function runDriveCommand(options: BenchDriveOptions): Promise<number> {
  const run = runFlag(options.run, false);
  const cluster = remoteCluster(options);
  const parts = parsePartFlags(options.part);
  const workers = options.workers === undefined ? 1 : wholeNumber('--workers', options.workers, { min: 1, max: 1000 });
  const waitMs = options.wait === undefined ? 120_000 : secondsFlag('--wait', options.wait);
  const seed = seedFlag(options.seed);
  const gate = gateOptions(options);
  const load = driveLoad(options, seed, gate.thresholdPercent);
  if (options.out) checkWritable(options.out, '--out');
  const outputs = checkOutputs(options, options.out === undefined ? [] : [[options.out, 'the --out report']]);
  const target = await benchTarget({ config: options.config }, parseSuites('throughput'));
  const out = options.out ?? defaultReportPath(target.project);
  checkWritable(out, '--out');
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  const state = await openRunState(target.project, options.dataDir, progress);
  const { dataDir, registry } = state;
  progress(
    `tempest bench drive: run ${run} on ${cluster.address} (${load.kind === 'open' ? `open loop at ${load.rates.join(', ')}/s` : load.kind === 'ab' ? 'A/B' : 'closed loop'}); start ${workers} worker${workers === 1 ? '' : 's'}${load.kind === 'ab' ? ' per side' : ''} with: tempest bench worker --run ${run} --address ${cluster.address}${load.kind === 'ab' ? ' --side base|head' : ''}`,
  );
  const interrupted = interruptSignal();
  const running = driveBenchmarks({
    target,
    run,
    external: cluster,
    ...(parts ? { parts } : {}),
    workers,
    load,
    quick: options.quick ?? false,
    waitMs,
    dataDir,
    signal: interrupted,
    registry,
    progress,
  });
  const report = await awaitRun(running, interrupted, state);
  writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
  state.removeState();
  if (load.kind === 'ab') return judged(judgeAbReport(report, gate), outputs, options.json ? report : undefined);
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${describeReport(report, out)}${describeOpenLoop(report)}`);
  return EXIT.ok;
}

/** The open-loop levels and where the system stopped keeping up, for people. */
export function describeOpenLoop(report: BenchReport): string {
  return (report.run.openLoop ?? [])
    .map((open) =>
      [
        '',
        `Open loop, ${open.workload} (each rate held ${(open.levels[0]?.durationMs ?? 0) / 1000} s):`,
        ...open.levels.map(
          (level) =>
            `  ${String(level.rate).padStart(6)}/s: started ${level.startRate}/s, closed ${level.completionRate}/s, p50 ${level.p50} ms, p95 ${level.p95} ms (x${level.growth} over the hold)${level.keptUp ? '' : `: NOT kept up (${level.reason})`}`,
        ),
        `Highest rate kept up with: ${open.keptUpTo === undefined ? 'none' : `${open.keptUpTo}/s`}; p95 left its plateau at: ${open.knee === undefined ? 'no rate tried' : `${open.knee}/s`}`,
        '',
      ].join('\n'),
    )
    .join('');
}
