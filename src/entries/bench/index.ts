/**
 * `tempest/bench`: your benchmark workloads (`defineWorkload`), which `tempest bench run` measures on real servers,
 * and its versioned reports read and judged with real statistics: two reports compared (`compareReports`), or an
 * A/B report, which holds its base and head, judged alone (`judgeAbReport`).
 */
export { defineWorkload, loadWorkloads, SUITE_NAMES } from '../../features/bench/workload.ts';
export type { BenchWorkloadSpec, CallFactory, WorkflowCall, Workload, WorkloadSuite } from '../../features/bench/workload.ts';
export { compareReports, DEFAULT_COMPARE_OPTIONS } from '../../features/bench/compare.ts';
export type { CompareOptions, Comparison, ComparisonRow } from '../../features/bench/compare.ts';
export { judgeAbReport } from '../../features/bench/judge-ab.ts';
export { readReport, REPORT_SCHEMA } from '../../features/bench/report.ts';
export type { Benchmark, BenchReport, CountedBenchmark, Environment, Omission, RunInfo, WarmUp } from '../../features/bench/report.ts';
