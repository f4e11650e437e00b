/**
 * tempest: prove Temporal workflows correct. This entry holds the project configuration; the capabilities have
 * entries of their own: `tempest/testing`, `tempest/vitest`, `tempest/replay`, `tempest/chaos`, `tempest/bench`.
 */
export { CONFIG_FILES, ConfigError, defineConfig, findConfigFile, loadProject } from './config/config.ts';
export type { Project, ProjectPath, TempestConfig } from './config/config.ts';
