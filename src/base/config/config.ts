/**
 * A project's tempest.config.ts: where its workflows, system, scenarios, benchmark workloads and recorded
 * histories are, and where runs write. Every path is relative to the config file's folder (or an absolute path, or
 * a file URL such as `new URL('./src/workflows.ts', import.meta.url)`); without a config file, the working directory
 * is the project root and the defaults below apply.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exported, importUserModule, UserModuleError } from '../modules/user-module.ts';
import { UsageError } from '../errors.ts';

/** A path in a config: relative to the config file's folder, absolute, or a file URL. */
export type ProjectPath = string | URL;

export interface TempestConfig {
  /** The workflows module: what `tempest replay` replays against, and what the system's workers run unless it says otherwise. */
  workflows?: ProjectPath;
  /** A module exporting the data converter your histories' payloads were written with (payload codecs): used by replay and record. */
  dataConverter?: ProjectPath;
  /** The recorded histories: `tempest replay`'s default input and `tempest histories record`'s default output. Default `replay-histories`. */
  corpus?: ProjectPath;
  /** The system under test for `tempest chaos` and `tempest bench`: a module whose default export is `defineSystem({...})`. */
  system?: ProjectPath;
  /** The folder of chaos scenarios (`defineScenario` files). Default `scenarios`. */
  scenarios?: ProjectPath;
  /** A module exporting the benchmark workloads (`defineWorkload`) for `tempest bench`. */
  benchmarks?: ProjectPath;
  /** Where runs write their reports, benchmark reports and run state. Default `.tempest`. */
  outDir?: ProjectPath;
}

const KEYS: readonly (keyof TempestConfig)[] = ['workflows', 'dataConverter', 'corpus', 'system', 'scenarios', 'benchmarks', 'outDir'];

export const CONFIG_FILES = ['tempest.config.ts', 'tempest.config.mts', 'tempest.config.js', 'tempest.config.mjs'] as const;

export class ConfigError extends UsageError {
  override name = 'ConfigError';
}

/** Check a config (every field a path, no unknown field) and return it; throws ConfigError naming the field. */
export function defineConfig(config: TempestConfig): TempestConfig {
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new ConfigError(`expected an object, got ${JSON.stringify(config)}`);
  for (const [key, value] of Object.entries(config)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ConfigError(`${key}: not a config field (known: ${KEYS.join(', ')})`);
    const ok = value === undefined || value instanceof URL || (typeof value === 'string' && value.trim() !== '');
    if (!ok) throw new ConfigError(`${key}: expected a path (a string or a file URL), got ${JSON.stringify(value)}`);
  }
  return config;
}

/** A project as tempest sees it: its root and every path resolved to an absolute one. */
export interface Project {
  root: string;
  /** The config file, when there is one. */
  configFile?: string;
  workflows?: string;
  dataConverter?: string;
  corpus: string;
  system?: string;
  scenarios: string;
  benchmarks?: string;
  outDir: string;
}

function resolvePath(root: string, value: ProjectPath): string {
  return value instanceof URL ? fileURLToPath(value) : path.resolve(root, value);
}

/** A project from a config object whose relative paths start at `root`. */
export function projectFrom(config: TempestConfig, root: string, configFile?: string): Project {
  const at = (value: ProjectPath | undefined): string | undefined => (value === undefined ? undefined : resolvePath(root, value));
  return {
    root,
    configFile,
    workflows: at(config.workflows),
    dataConverter: at(config.dataConverter),
    corpus: at(config.corpus) ?? path.join(root, 'replay-histories'),
    system: at(config.system),
    scenarios: at(config.scenarios) ?? path.join(root, 'scenarios'),
    benchmarks: at(config.benchmarks),
    outDir: at(config.outDir) ?? path.join(root, '.tempest'),
  };
}

/** The config file in `dir` or its nearest ancestor, stopping at the first folder with a package.json. */
export function findConfigFile(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const found = CONFIG_FILES.map((name) => path.join(current, name)).find((file) => existsSync(file));
    if (found) return found;
    if (existsSync(path.join(current, 'package.json')) || path.dirname(current) === current) return undefined;
  }
}

/**
 * The project: from `configFile` when given, else from the config file found from `cwd` upwards, else `cwd` with the
 * defaults. A config that does not load or is malformed is a ConfigError naming the file and field.
 */
export async function loadProject(options: { configFile?: string; cwd?: string } = {}): Promise<Project> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = options.configFile ? path.resolve(cwd, options.configFile) : findConfigFile(cwd);
  if (!file) return projectFrom({}, cwd);
  const shown = path.relative(cwd, file) || file;
  if (options.configFile && (!existsSync(file) || !statSync(file).isFile()))
    throw new ConfigError(`--config ${options.configFile}: no such file`);
  let config: unknown;
  try {
    config = exported(await importUserModule(file, { label: 'config', shown }), shown, ['default'], 'defineConfig({...})');
  } catch (error) {
    if (error instanceof UserModuleError) throw new ConfigError(error.message, { cause: error });
    throw error;
  }
  try {
    return projectFrom(defineConfig(config as TempestConfig), path.dirname(file), file);
  } catch (error) {
    throw new ConfigError(`${shown}: ${(error as Error).message}`, { cause: error });
  }
}
