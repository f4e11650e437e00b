/**
 * What a project gives chaos runs: its system (the config's `system` module, default-exporting defineSystem(...))
 * and its scenario catalogue (the TypeScript files in the config's `scenarios` folder, each default-exporting
 * defineScenario(...)), a scenario loaded by name or by file path and checked against the system. A bad file fails
 * with its path and the field that is wrong, before any cluster starts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Project } from '../../base/config/config.ts';
import { exported, importUserModule, shownPath, UserModuleError } from '../../base/modules/user-module.ts';
import { DefinitionError } from '../../base/definition.ts';
import { bindScenario, type BoundScenario, defineScenario, type ScenarioSpec } from './scenario.ts';
import { defineSystem, type System, type SystemSpec } from './system.ts';
import { UsageError } from '../../base/errors.ts';

export class ScenarioFileError extends UsageError {
  override name = 'ScenarioFileError';
}

/** A system as a project loaded it: paths resolved from the project root. */
export interface LoadedSystem extends System {
  /** The module it came from, as the user named it. */
  file: string;
  workflowsPath: string;
  activitiesPath: string;
}

const shown = shownPath;

const SCENARIO_EXTENSIONS = /\.(ts|mts|js|mjs)$/;

function pathOf(value: string | URL, root: string): string {
  return value instanceof URL ? fileURLToPath(value) : path.resolve(root, value);
}

/** The project's system: its `system` module, checked, with the workers' modules resolved from the project root. */
export async function loadSystem(project: Project): Promise<LoadedSystem> {
  if (!project.system) {
    throw new ScenarioFileError(
      `no system to run: name the module that default-exports defineSystem({...}) as \`system\` in ${project.configFile ? shown(project.configFile) : 'a tempest.config.ts'}`,
    );
  }
  const file = shown(project.system);
  let system: System;
  try {
    const module = await importUserModule(project.system, { label: 'system', shown: file });
    system = defineSystem(exported<SystemSpec>(module, file, ['default', 'system'], 'defineSystem({...})'));
  } catch (error) {
    if (error instanceof UserModuleError) throw new ScenarioFileError(error.message, { cause: error });
    if (error instanceof DefinitionError) throw new ScenarioFileError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
  const workflows = system.workers.workflows ?? project.workflows;
  if (!workflows) throw new ScenarioFileError(`${file}: workers.workflows: name the workflows module (or set \`workflows\` in the config)`);
  const resolved = { workflowsPath: pathOf(workflows, project.root), activitiesPath: pathOf(system.workers.activities, project.root) };
  for (const [field, modulePath] of [
    ['workers.workflows', resolved.workflowsPath],
    ['workers.activities', resolved.activitiesPath],
  ] as const) {
    if (!existsSync(modulePath)) throw new ScenarioFileError(`${file}: ${field}: ${shown(modulePath)}: no such file`);
  }
  return { ...system, file, ...resolved };
}

/** Load a scenario file and check it against the system. */
export async function loadScenarioFile(file: string, system: System): Promise<BoundScenario> {
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(file, { label: 'scenario', shown: file });
  } catch (error) {
    if (error instanceof UserModuleError) throw new ScenarioFileError(error.message, { cause: error });
    throw error;
  }
  if (!module.default || typeof module.default !== 'object')
    throw new ScenarioFileError(`${file}: must default-export defineScenario({...})`);
  try {
    // Checked again: a file may export a plain object instead of calling defineScenario.
    return bindScenario(defineScenario(module.default as ScenarioSpec), system);
  } catch (error) {
    throw new ScenarioFileError(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ScenarioFileError(`${shown(dir)}: no scenarios folder (set \`scenarios\` in the config)`);
  return readdirSync(dir)
    .filter((f) => SCENARIO_EXTENSIONS.test(f) && !f.endsWith('.d.ts'))
    .sort();
}

/**
 * The files a command would load for `which` scenarios ('all', or a name or file), without loading them (so they can
 * be probed first); a name that matches no file gives none.
 */
export function scenarioPaths(project: Project, which: string): string[] {
  if (which === 'all')
    return existsSync(project.scenarios) ? scenarioFiles(project.scenarios).map((f) => path.join(project.scenarios, f)) : [];
  if (SCENARIO_EXTENSIONS.test(which) || which.includes('/')) return [path.resolve(which)];
  const file = existsSync(project.scenarios)
    ? scenarioFiles(project.scenarios).find((f) => f.replace(SCENARIO_EXTENSIONS, '') === which)
    : undefined;
  return file ? [path.join(project.scenarios, file)] : [];
}

/** Every scenario in the project's scenarios folder, by name. */
export async function listScenarios(project: Project, system: System): Promise<BoundScenario[]> {
  const files = scenarioFiles(project.scenarios);
  const scenarios: BoundScenario[] = [];
  for (const f of files) scenarios.push(await loadScenarioFile(shown(path.join(project.scenarios, f)), system));
  return scenarios;
}

/** A scenario by catalogue name or by file path. */
export async function findScenario(nameOrFile: string, project: Project, system: System): Promise<BoundScenario> {
  if (SCENARIO_EXTENSIONS.test(nameOrFile) || nameOrFile.includes('/')) return loadScenarioFile(nameOrFile, system);
  const files = scenarioFiles(project.scenarios);
  const file = files.find((f) => f.replace(SCENARIO_EXTENSIONS, '') === nameOrFile);
  if (!file) {
    const known = files.map((f) => f.replace(SCENARIO_EXTENSIONS, ''));
    throw new ScenarioFileError(
      `no scenario named ${nameOrFile} in ${shown(project.scenarios)} (known: ${known.join(', ') || 'none'}; or give a file path)`,
    );
  }
  return loadScenarioFile(shown(path.join(project.scenarios, file)), system);
}
