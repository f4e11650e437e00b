/**
 * `tempest up [--run [scenario]]`: the project's own system, locally: the pinned dev server with its Web UI, the
 * system's parts, workers on its workflows and activities; the addresses printed; up until Ctrl-C, then nothing
 * left behind (a run killed with -9 is cleaned up by the next). `--run` drives the system's workload once (with a
 * scenario's workload fields when named), so `tempest histories record` has real executions to record.
 */
import path from 'node:path';
import { DefinitionError } from '../../../base/definition.ts';
import { UsageError } from '../../../base/errors.ts';
import { checkPortFree, type LocalSystem, runLocalSystem } from '../../../base/harness/local-system.ts';
import { describeBranches } from '../../../features/chaos/branches.ts';
import { findScenario, type LoadedSystem, loadSystem, scenarioPaths } from '../../../features/chaos/catalog.ts';
import { DEFAULT_DRIVE_WORKLOAD, driveWorkload, planDrive } from '../../../features/chaos/drive.ts';
import type { WorkloadFields } from '../../../features/chaos/scenario.ts';
import { SystemCodeError } from '../../../features/chaos/system.ts';
import { seedFlag, wholeNumber } from '../flags.ts';
import { interruptSignal } from '../interrupt.ts';
import { checkWorkerCode, printedCommand, type ProjectFlags, probed, projectOf } from '../project.ts';

export interface UpOptions extends ProjectFlags {
  port: string;
  uiPort: string;
  /** true for `--run` alone, a scenario's name or file for `--run <scenario>`. */
  run?: boolean | string;
  seed?: string;
  dataDir?: string;
}

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** A system's own code that throws, or a plan that is wrong, named in the system's file. */
function inSystemFile<T>(system: LoadedSystem, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof SystemCodeError || error instanceof DefinitionError)
      throw new UsageError(`${system.file}: ${error.message}`, { cause: error });
    throw error;
  }
}

export async function runUp(options: UpOptions): Promise<number> {
  const port = wholeNumber('--port', options.port, { min: 1, max: 65_535 });
  const uiPort = wholeNumber('--ui-port', options.uiPort, { min: 1, max: 65_535 });
  if (port === uiPort) throw new UsageError(`--port and --ui-port are both ${port}: give the Web UI a port of its own`);
  if (options.seed !== undefined && options.run === undefined)
    throw new UsageError('--seed plans the workload --run drives: give --run too');
  const seed = seedFlag(options.seed);
  const project = await projectOf(options);
  const scenarioName = typeof options.run === 'string' ? options.run : undefined;
  await probed([project.system, ...(scenarioName ? scenarioPaths(project, scenarioName) : [])], 'system or scenario');
  const system = await loadSystem(project);
  await checkWorkerCode({ ...system, parts: Object.keys(system.parts), corpus: project.corpus });
  const workload: WorkloadFields = scenarioName ? (await findScenario(scenarioName, project, system)).workload : DEFAULT_DRIVE_WORKLOAD;
  // A plan that is wrong is said before any server starts.
  if (options.run !== undefined) inSystemFile(system, () => planDrive(system, workload, seed));
  await checkPortFree(port, '--port');
  await checkPortFree(uiPort, '--ui-port');
  const signal = interruptSignal();
  const drive = async (local: LocalSystem): Promise<number> => {
    say(
      `Driving the workload of ${system.name} once${scenarioName ? ` (the workload of scenario ${scenarioName})` : ''}, seed ${seed} ...`,
    );
    const result = await inSystemFile(system, () =>
      driveWorkload({ system, client: local.client, parts: local.parts, workload, seed, signal }),
    );
    for (const group of result.branches) say(`  ${describeBranches(group)}`);
    const statuses = new Map<string, number>();
    for (const outcome of result.outcomes) statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
    const ended = [...statuses].map(([status, count]) => `${count} ${status}`).join(', ');
    say(`${result.plan.operations.length} workflows in ${(result.ms / 1000).toFixed(1)} s: ${ended}. Record their histories with`);
    say(
      `  ${printedCommand('histories record', '--address', local.temporal.address, '--query', "''", '--limit', String(Math.max(1, result.plan.operations.length)), ...(options.config ? ['--config', options.config] : []))}`,
    );
    return 0;
  };
  return runLocalSystem({
    system,
    projectRoot: project.root,
    dataDir: options.dataDir && path.resolve(options.dataDir),
    ui: true,
    port,
    uiPort,
    stateDir: path.join(project.outDir, 'up'),
    log: say,
    signal,
    use: options.run === undefined ? undefined : drive,
    keepRunning: true,
  });
}
