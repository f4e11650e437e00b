import { benchmark, type BenchmarkSpec, type BenchReport, type Environment, REPORT_SCHEMA } from '../../src/features/bench/report';
import { Random } from '../../src/base/random';

/** `n` samples around `median` with lognormal noise of scale `sigma` (0.07: about 7%), from a seeded generator. */
export function lognormalSamples(random: () => number, n: number, median: number, sigma: number): number[] {
  return Array.from({ length: n }, () => {
    const u1 = 1 - random();
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2); // Box-Muller
    return median * Math.exp(sigma * z);
  });
}

/** The harness's seeded generator (mulberry32) as a function. */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

export const TEST_ENVIRONMENT: Environment = {
  gitSha: '0123456789abcdef0123456789abcdef01234567',
  gitDirty: false,
  packageVersion: '0.1.0',
  sdkVersion: '1.24.0',
  temporalCliVersion: '1.9.1 (Server 1.32.0, UI 2.54.1)',
  testServerVersion: '1.40.0',
  nodeVersion: 'v20.20.2',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU',
  cpuCores: 2,
  totalMemoryMb: 4096,
  loadAverage: [0.5, 0.4, 0.3],
  date: '2026-11-23T12:00:00.000Z',
};

/** A report with these benchmarks (ids and summaries derived as `bench run` does). */
export function syntheticReport(specs: BenchmarkSpec[], environment: Partial<Environment> = {}): BenchReport {
  return {
    schema: REPORT_SCHEMA,
    environment: { ...TEST_ENVIRONMENT, ...environment },
    run: { suites: [...new Set(specs.map((s) => s.suite))], quick: false, durationMs: 1234, loadAverageMax: 1.5 },
    benchmarks: specs.map(benchmark),
  };
}

export function latencySpec(name: string, samples: number[], suite = 'throughput'): BenchmarkSpec {
  return { suite, name, unit: 'ms', direction: 'lower-is-better', samples, params: { workflow: 'moneyTransfer' } };
}

export function throughputSpec(name: string, samples: number[], suite = 'throughput'): BenchmarkSpec {
  return { suite, name, unit: 'workflows/s', direction: 'higher-is-better', samples, params: { workflow: 'moneyTransfer' } };
}
