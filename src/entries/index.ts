/**
 * tempest: prove Temporal workflows correct. This entry holds the project configuration; the capabilities have
 * entries of their own: `tempest/testing`, `tempest/vitest`, `tempest/replay`, `tempest/chaos`, `tempest/bench`.
 */
export { CONFIG_FILES, ConfigError, defineConfig, findConfigFile, loadProject } from '../base/config/config.ts';
export type { Project, ProjectPath, TempestConfig } from '../base/config/config.ts';
