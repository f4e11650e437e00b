/**
 * `tempest bench`'s library: your benchmark workloads (`defineWorkload`), the suites that run them on real servers,
 * and the report and comparison with real statistics.
 */
export { defineWorkload, loadWorkloads, SUITE_NAMES } from './workload.ts';
export type { CallFactory, WorkflowCall, Workload, WorkloadSpec, WorkloadSuite } from './workload.ts';
export { runBenchmarks } from './run.ts';
export type { RunOptions as BenchRunOptions } from './run.ts';
export type { BenchTarget } from './context.ts';
export { SUITES } from './suites/index.ts';
export type { BenchSuite, SuiteResult } from './suite.ts';
export { compareReports, DEFAULT_COMPARE_OPTIONS } from './compare.ts';
export type { CompareOptions, Comparison, ComparisonRow } from './compare.ts';
export { readReport, REPORT_SCHEMA, ReportError } from './report.ts';
export type { Benchmark, BenchReport, Environment, Omission, WarmUp } from './report.ts';
