/**
 * `tempest bench`'s library: your benchmark workloads (`defineWorkload`), the suites that run them on real servers,
 * and the report and comparison with real statistics.
 */
export { defineWorkload, loadWorkloads, SUITE_NAMES } from '../../features/bench/workload.ts';
export type { CallFactory, WorkflowCall, Workload, WorkloadSpec, WorkloadSuite } from '../../features/bench/workload.ts';
export { runBenchmarks } from '../../features/bench/run.ts';
export type { RunOptions as BenchRunOptions } from '../../features/bench/run.ts';
export type { BenchTarget } from '../../features/bench/context.ts';
export { SUITES } from '../../features/bench/suites/index.ts';
export type { BenchSuite, SuiteResult } from '../../features/bench/suite.ts';
export { compareReports, DEFAULT_COMPARE_OPTIONS } from '../../features/bench/compare.ts';
export type { CompareOptions, Comparison, ComparisonRow } from '../../features/bench/compare.ts';
export { readReport, REPORT_SCHEMA, ReportError } from '../../features/bench/report.ts';
export type { Benchmark, BenchReport, Environment, Omission, WarmUp } from '../../features/bench/report.ts';
