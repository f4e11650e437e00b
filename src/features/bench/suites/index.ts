/**
 * Every benchmark suite `tempest bench run --suite <names>` knows, in the order a full run runs them.
 * To add one, write bench/suites/<name>.ts exporting a BenchSuite and list it here.
 */
import type { BenchSuite } from '../suite.ts';
import { baselineSuite } from './baseline.ts';
import { replaySuite } from './replay.ts';
import { retryLatencySuite } from './retry-latency.ts';
import { servicesThroughputSuite, throughputSuite } from './throughput.ts';
import { timeSkippingSuite } from './time-skipping.ts';

export const SUITES: readonly BenchSuite[] = [
  throughputSuite,
  servicesThroughputSuite,
  baselineSuite,
  retryLatencySuite,
  timeSkippingSuite,
  replaySuite,
];

export function findSuite(name: string): BenchSuite | undefined {
  return SUITES.find((suite) => suite.name === name);
}
