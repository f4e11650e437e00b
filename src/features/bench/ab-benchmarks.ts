/**
 * An A/B run's rounds as report entries: per workload and concurrency level, one benchmark per metric holding both
 * sides' per-round values as pairs. Pure.
 *
 * Which rows decide (roles): at concurrency 1 each round's lower quartile (p25) of latency, which load dilutes least
 * (a round's undisturbed workflows carry the code's own time); above it throughput, where queueing is the point. p50,
 * p95 (from rounds of 40 workflows), the other of throughput/p25 and the worker's CPU per workflow support: they fail
 * the gate on a significant regression beyond the threshold, never make it "cannot judge". The server's and parts'
 * CPU per workflow are informational: a workflow that waits longer keeps the server polling longer, so they move
 * with pure waits too.
 */
import type { LevelMeasurement, Pair, PrimaryMetric, Round } from './ab.ts';
import { type Benchmark, type BenchmarkRole, benchmark, type Direction, type ProcessInfo } from './report.ts';
import type { Side } from './rounds.ts';
import { minSamplesForPercentile, quantile } from './stats.ts';

interface Metric {
  name: string;
  unit: string;
  direction: Direction;
  role: (concurrency: number) => BenchmarkRole;
  /** The round's value; undefined when the round cannot give it (no server CPU on an external cluster). */
  value: (round: Round) => number | undefined;
  suite: 'throughput' | 'costs';
}

const perWorkflow = (ms: number | undefined, round: Round): number | undefined =>
  ms === undefined || round.latenciesMs.length === 0 ? undefined : ms / round.latenciesMs.length;

const throughputOf = (round: Round): number => round.latenciesMs.length / (round.elapsedMs / 1000);

/** The primary value of a round: p25 latency at concurrency 1, throughput above. */
export const primaryMetric: PrimaryMetric = (round, concurrency) =>
  concurrency === 1
    ? { value: quantile(round.latenciesMs, 0.25), direction: 'lower-is-better' }
    : { value: throughputOf(round), direction: 'higher-is-better' };

function metrics(parts: readonly string[], roundSize: number): Metric[] {
  const latency = (p: number, primaryAtOne: boolean): Metric => ({
    name: `latency-p${p}`,
    unit: 'ms',
    direction: 'lower-is-better',
    role: (c) => (primaryAtOne && c === 1 ? 'primary' : 'supporting'),
    value: (round) => quantile(round.latenciesMs, p / 100),
    suite: 'throughput',
  });
  return [
    {
      name: 'throughput',
      unit: 'workflows/s',
      direction: 'higher-is-better',
      role: (c) => (c === 1 ? 'supporting' : 'primary'),
      value: throughputOf,
      suite: 'throughput',
    },
    latency(25, true),
    latency(50, false),
    ...(roundSize >= minSamplesForPercentile(95) ? [latency(95, false)] : []),
    cpu('worker-cpu', 'supporting', (round) => round.workerCpuMs),
    cpu('server-cpu', 'informational', (round) => round.serverCpuMs),
    ...parts.map((part) => cpu(`part-cpu/${part}`, 'informational', (round: Round) => round.partCpuMs[part])),
  ];
}

function cpu(name: string, role: BenchmarkRole, ms: (round: Round) => number | undefined): Metric {
  return {
    name,
    unit: 'ms CPU/workflow',
    direction: 'lower-is-better',
    role: () => role,
    value: (round) => perWorkflow(ms(round), round),
    suite: 'costs',
  };
}

/** Every metric of a level whose rounds all gave a value above 0 (a ratio needs both). */
export function pairedBenchmarks(level: LevelMeasurement, parts: readonly string[]): Benchmark[] {
  const { workload, concurrency, roundSize, pairs } = level;
  const params = { workflow: workload, concurrency, roundSize, pairs: pairs.length };
  return metrics(parts, roundSize).flatMap((metric) => {
    const base = pairs.map((pair) => metric.value(pair.base));
    const head = pairs.map((pair) => metric.value(pair.head));
    if (pairs.length === 0 || [...base, ...head].some((v) => v === undefined || !(v > 0))) return [];
    const [b, h] = [base as number[], head as number[]];
    return [
      benchmark({
        suite: metric.suite,
        name: `${workload}/c${concurrency}/${metric.name}`,
        unit: metric.unit,
        direction: metric.direction,
        samples: h,
        params: { ...params, metric: metric.name },
        role: metric.role(concurrency),
        pairs: { base: b, head: h, order: pairs.map((pair) => pair.order), ...otherWork(pairs) },
        ...(metric.name === 'throughput' ? { raw: latencies(pairs) } : {}),
      }),
    ];
  });
}

function otherWork(pairs: readonly Pair[]): { otherWorkCores?: number[] } {
  const cores = pairs.map((pair) => meanDefined([pair.base.otherWorkCores, pair.head.otherWorkCores]));
  return cores.every((c) => c !== undefined) ? { otherWorkCores: cores.map((c) => Math.round(c! * 1000) / 1000) } : {};
}

function meanDefined(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, v) => a + v, 0) / known.length;
}

function latencies(pairs: readonly Pair[]): Record<string, number[]> {
  const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    latencyMsBase: pairs.flatMap((pair) => pair.base.latenciesMs.map(micro)),
    latencyMsHead: pairs.flatMap((pair) => pair.head.latenciesMs.map(micro)),
  };
}

/**
 * The processes of a local A/B run and the CPU each used during the measured rounds: the driver (`driverCpuMs`), each
 * side's worker, the server and each part.
 */
export function abProcesses(
  levels: readonly LevelMeasurement[],
  processes: {
    host: string;
    driver: { pid: number; cpuMs: number };
    workers: Record<Side, number>;
    server: number[];
    parts: Record<string, number>;
  },
): ProcessInfo[] {
  const rounds = levels.flatMap((level) => level.pairs.flatMap((pair) => [pair.base, pair.head]));
  const total = (values: readonly number[]): number => Math.round(values.reduce((a, v) => a + v, 0));
  const { host } = processes;
  return [
    { id: 'driver', role: 'driver', host, pid: processes.driver.pid, cpuMs: processes.driver.cpuMs },
    ...(['base', 'head'] as const).map((side) => ({
      id: `worker-${side}`,
      role: 'worker' as const,
      side,
      host,
      pid: processes.workers[side],
      cpuMs: total(rounds.filter((round) => round.side === side).map((round) => round.workerCpuMs)),
    })),
    ...processes.server.map((pid, i) => ({
      id: processes.server.length === 1 ? 'server' : `server-${i + 1}`,
      role: 'server' as const,
      host,
      pid,
      ...(processes.server.length === 1 ? { cpuMs: total(rounds.map((round) => round.serverCpuMs ?? 0)) } : {}),
    })),
    ...Object.entries(processes.parts).map(([part, pid]) => ({
      id: `part-${part}`,
      role: 'part' as const,
      host,
      pid,
      cpuMs: total(rounds.map((round) => round.partCpuMs[part] ?? 0)),
    })),
  ];
}

/** Every round's other work, in cores (the rounds that measured it). */
export function roundsOtherWork(levels: readonly LevelMeasurement[]): number[] {
  return levels.flatMap((level) =>
    level.pairs.flatMap((pair) => [pair.base.otherWorkCores, pair.head.otherWorkCores].filter((c): c is number => c !== undefined)),
  );
}
