/**
 * `tempest/bench`: your benchmark workloads (`defineWorkload`), which `tempest bench run` measures on real servers,
 * and its versioned reports read and compared with real statistics.
 */
export { defineWorkload, loadWorkloads, SUITE_NAMES } from '../../features/bench/workload.ts';
export type { BenchWorkloadSpec, CallFactory, WorkflowCall, Workload, WorkloadSuite } from '../../features/bench/workload.ts';
export { compareReports, DEFAULT_COMPARE_OPTIONS } from '../../features/bench/compare.ts';
export type { CompareOptions, Comparison, ComparisonRow } from '../../features/bench/compare.ts';
export { readReport, REPORT_SCHEMA } from '../../features/bench/report.ts';
export type { Benchmark, BenchReport, Environment, Omission, WarmUp } from '../../features/bench/report.ts';
