/**
 * The sides of `tempest bench run --base ...` (an A/B run), from its flags: the head is the project as it is (with
 * `--workflows`/`--activities`), the base other modules of it (`--base-workflows`, `--base-activities`) or the
 * project at a git ref or in another checkout (`--base`), whose own config and system say its modules.
 */
import path from 'node:path';
import { loadProject } from '../../../base/config/config.ts';
import { UsageError } from '../../../base/errors.ts';
import type { BenchTarget } from '../../../features/bench/context.ts';
import { type BenchSide, checkOutBase, gitState } from '../../../features/bench/sides.ts';
import { loadSystem } from '../../../features/chaos/catalog.ts';
import type { Side } from '../../../features/bench/rounds.ts';
import { existingFileFlag } from '../flags.ts';
import { checkWorkerCode, shownPath } from '../project.ts';

export interface AbFlags {
  base?: string;
  baseActivities?: string;
  baseWorkflows?: string;
  workflows?: string;
  activities?: string;
}

/** Whether the flags ask for an A/B run. */
export function isAb(flags: AbFlags): boolean {
  return flags.base !== undefined || flags.baseActivities !== undefined || flags.baseWorkflows !== undefined;
}

/**
 * Resolve both sides (checking a git ref out into `dataDir`), and check that each side's workers can load their
 * code. Returns the sides and what removes the checkout.
 */
export async function resolveSides(
  target: BenchTarget,
  flags: AbFlags,
  dataDir: string,
  progress: (line: string) => void,
): Promise<{ sides: Record<Side, BenchSide>; remove(): void }> {
  const system = target.system!;
  const root = target.project.root;
  const module = (flag: string, given: string | undefined, fallback: string): string =>
    given === undefined ? fallback : existingFileFlag(flag, given);
  const headWorkflows = module('--workflows', flags.workflows, system.workflowsPath);
  const headActivities = module('--activities', flags.activities, system.activitiesPath);
  const head: BenchSide = {
    role: 'head',
    label: moduleLabel('working tree', flags.workflows, flags.activities),
    root,
    workflowsPath: headWorkflows,
    activitiesPath: headActivities,
    ...gitState(root),
  };
  let remove = (): void => undefined;
  let base: BenchSide;
  if (flags.base !== undefined) {
    const checkout = checkOutBase(root, flags.base, dataDir, progress);
    remove = checkout.remove;
    try {
      const configFile = target.project.configFile && path.join(checkout.projectRoot, path.relative(root, target.project.configFile));
      const baseSystem = await loadSystem(await loadProject({ cwd: checkout.projectRoot, ...(configFile ? { configFile } : {}) }));
      base = {
        role: 'base',
        label: moduleLabel(flags.base, flags.baseWorkflows, flags.baseActivities),
        root: checkout.projectRoot,
        workflowsPath: module('--base-workflows', flags.baseWorkflows, baseSystem.workflowsPath),
        activitiesPath: module('--base-activities', flags.baseActivities, baseSystem.activitiesPath),
        gitSha: checkout.gitSha,
        gitDirty: checkout.gitDirty,
      };
    } catch (error) {
      remove();
      throw error;
    }
  } else {
    base = {
      role: 'base',
      label: moduleLabel('working tree', flags.baseWorkflows, flags.baseActivities),
      root,
      workflowsPath: module('--base-workflows', flags.baseWorkflows, system.workflowsPath),
      activitiesPath: module('--base-activities', flags.baseActivities, system.activitiesPath),
      ...gitState(root),
    };
  }
  try {
    for (const side of [base, head]) await checkSideCode(side, target);
  } catch (error) {
    remove();
    throw error;
  }
  return { sides: { base, head }, remove };
}

function moduleLabel(what: string, workflows: string | undefined, activities: string | undefined): string {
  const modules = [workflows && `workflows ${workflows}`, activities && `activities ${activities}`].filter(Boolean).join(', ');
  return modules ? `${what}, ${modules}` : what;
}

/** The side's workers load their code, and its workflows module exports every workflow type the workloads start. */
async function checkSideCode(side: BenchSide, target: BenchTarget): Promise<void> {
  const types = await checkWorkerCode({ ...side, parts: Object.keys(target.system?.parts ?? {}), corpus: target.project.corpus });
  const unknown = target.workloads.find((workload) => types.length > 0 && !types.includes(workload.workflowType));
  if (unknown)
    throw new UsageError(
      `${side.role} (${side.label}): workload ${unknown.name} starts workflow type '${unknown.workflowType}', which ${shownPath(side.workflowsPath)} does not export`,
    );
}
