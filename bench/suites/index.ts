/**
 * Every benchmark suite `tempest bench run --suite <names>` knows, in the order a full run runs them.
 * To add one, write bench/suites/<name>.ts exporting a BenchSuite and list it here.
 */
import type { BenchSuite } from '../suite';
import { baselineSuite } from './baseline';
import { replaySuite } from './replay';
import { retryLatencySuite } from './retry-latency';
import { throughputSuite } from './throughput';
import { timeSkippingSuite } from './time-skipping';

export const SUITES: readonly BenchSuite[] = [
  throughputSuite,
  baselineSuite,
  retryLatencySuite,
  timeSkippingSuite,
  replaySuite,
];

export function findSuite(name: string): BenchSuite | undefined {
  return SUITES.find((suite) => suite.name === name);
}
