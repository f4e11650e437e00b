/**
 * tempest: prove Temporal workflows correct. This entry holds what every capability shares: the project
 * configuration, the vocabulary of definitions (a check that names the field, durations) and the errors tempest
 * raises. The capabilities have entries of their own: `tempest/testing`, `tempest/vitest`, `tempest/interleave`,
 * `tempest/replay`, `tempest/chaos`, `tempest/bench`.
 */
export { defineConfig, loadProject } from '../base/config/config.ts';
export type { Project, ProjectPath, TempestConfig } from '../base/config/config.ts';
export { check, DefinitionError } from '../base/definition.ts';
export { formatDuration, parseDuration } from '../base/duration.ts';
export type { Duration, Timing } from '../base/duration.ts';
export { HarnessError, TempestError, UsageError } from '../base/errors.ts';
