/**
 * The scenario catalogue: the TypeScript files in scenarios/, each default-exporting defineScenario(...),
 * and loading a scenario by name or by file path. A bad file fails with its path and the field that is wrong.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../toolchain/tools.ts';
import { defineScenario, type Scenario, ScenarioError, type ScenarioSpec } from './scenario.ts';

export const SCENARIOS_DIR = path.join(PROJECT_ROOT, 'scenarios');

export class ScenarioFileError extends Error {
  override name = 'ScenarioFileError';
}

export async function loadScenarioFile(file: string): Promise<Scenario> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) throw new ScenarioFileError(`${file}: no such scenario file`);
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new ScenarioFileError(`${file}: ${error instanceof ScenarioError ? message : `cannot load it: ${message}`}`);
  }
  if (!module.default || typeof module.default !== 'object') throw new ScenarioFileError(`${file}: must default-export defineScenario({...})`);
  try {
    // Validated again: a file may export a plain object instead of calling defineScenario.
    return defineScenario(module.default as ScenarioSpec);
  } catch (error) {
    throw new ScenarioFileError(`${file}: ${(error as Error).message}`);
  }
}

/** Every scenario in scenarios/, by name. */
export async function listScenarios(): Promise<Scenario[]> {
  const files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.ts')).sort();
  return Promise.all(files.map((f) => loadScenarioFile(path.join(SCENARIOS_DIR, f))));
}

/** A scenario by catalogue name or by file path. */
export async function findScenario(nameOrFile: string): Promise<Scenario> {
  if (nameOrFile.endsWith('.ts') || nameOrFile.includes('/')) return loadScenarioFile(nameOrFile);
  const file = path.join(SCENARIOS_DIR, `${nameOrFile}.ts`);
  if (!existsSync(file)) {
    const known = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
    throw new ScenarioFileError(`no scenario named ${nameOrFile} (known: ${known.join(', ')}; or give a file path)`);
  }
  return loadScenarioFile(file);
}
