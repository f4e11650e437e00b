/**
 * `tempest chaos list | run | explore`: run a project's chaos scenarios against a cluster of its system and check
 * that every invariant held. Exit 0 every invariant held, 1 one was violated (with the minimal evidence), 2 a
 * usage or harness error.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findScenario, type LoadedSystem, listScenarios, loadSystem, scenarioPaths } from '../../../features/chaos/catalog.ts';
import { providerFor, type ProviderChoice } from '../../../features/chaos/cluster/index.ts';
import { DefinitionError } from '../../../base/definition.ts';
import {
  describeGenerated,
  type ExploreResult,
  exploreSchedules,
  type GeneratedFault,
  type PointCatalogue,
  toFaultSpecs,
  withSchedule,
} from '../../../features/chaos/explore.ts';
import { buildReport, type ChaosReport, renderText, unreachedPoints } from '../../../features/chaos/report.ts';
import { type StagedReportDir, stageReportDir } from '../../../features/chaos/report-dir.ts';
import { renderChaosHtml } from '../../../features/chaos/report-html.ts';
import { type ChaosSession, openSession, planRun, runScenario } from '../../../features/chaos/runner.ts';
import type { WorkerCode } from '../../../features/chaos/cluster/types.ts';
import { type BoundScenario, checkScenarioCluster } from '../../../features/chaos/scenario.ts';
import { SystemCodeError } from '../../../features/chaos/system.ts';
import type { Project } from '../../../base/config/config.ts';
import { keepFailureLogs, writeFileAtomic } from '../../../base/files.ts';
import { type ConnectionFlags, connectionFlagArgs, connectionFromFlags } from '../connection-flags.ts';
import { existingFileFlag, seedFlag, wholeNumber } from '../flags.ts';
import { EXIT, firstLine, HarnessError, Interrupted, NeverWorkedError, UsageError } from '../../../base/errors.ts';
import { interruptSignal, whenAborted } from '../interrupt.ts';
import { checkWorkerCode, printedCommand, type ProjectFlags, probed, projectFlagArgs, projectOf, shownPath } from '../project.ts';

export interface ChaosRunOptions extends ConnectionFlags, ProjectFlags {
  cluster: string;
  address?: string;
  namespace?: string;
  network?: string;
  seed?: string;
  workflows?: string;
  activities?: string;
  report?: string;
  json?: boolean;
  all?: boolean;
  keepRunning?: boolean;
  /** false with --no-warm-up. */
  warmUp?: boolean;
}

/** The project and its system, loaded once per command: a bad config, system or scenario is a usage error naming it. */
interface Chaos {
  project: Project;
  system: LoadedSystem;
}

/** The project and its system, once the system and the `scenarios` ('all', a name or a file) are known to load. */
async function loadChaos(options: ProjectFlags, scenarios: string): Promise<Chaos> {
  const project = await projectOf(options);
  await probed([project.system, ...scenarioPaths(project, scenarios)], 'system or scenario');
  return { project, system: await loadSystem(project) };
}

/** The run registry of every chaos run of the project (see run-registry.ts). */
const stateDirOf = (project: Project): string => path.join(project.outDir, 'chaos');

export async function listCommand(options: { json?: boolean } & ProjectFlags): Promise<number> {
  const { project, system } = await loadChaos(options, 'all');
  const scenarios = await listScenarios(project, system);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        scenarios.map((s) => ({
          name: s.name,
          description: s.description,
          workload: s.workload,
          faults: s.faults,
          checks: s.checks,
          ...(s.cluster ? { cluster: s.cluster } : {}),
        })),
        null,
        2,
      )}\n`,
    );
  } else {
    for (const s of scenarios)
      process.stdout.write(`${s.name.padEnd(30)} ${s.description}${s.cluster ? ` (--cluster ${s.cluster})` : ''}\n`);
  }
  return EXIT.ok;
}

/** A module given by flag (from the working directory), by the scenario (from the project root), or the system's. */
function modulePath(flag: string, given: string | undefined, fromScenario: string | undefined, project: Project, fallback: string): string {
  if (given !== undefined) {
    const resolved = existingFileFlag(flag, given);
    return resolved;
  }
  if (fromScenario !== undefined) {
    const resolved = path.resolve(project.root, fromScenario);
    if (!existsSync(resolved))
      throw new UsageError(
        `the scenario's code.${flag.slice(2)} ${fromScenario}: no such file (paths start at the project root, ${project.root})`,
      );
    return resolved;
  }
  return fallback;
}

function providerChoice(options: ChaosRunOptions): ProviderChoice {
  if (options.cluster === 'external') {
    if (!options.address) throw new UsageError('--cluster external needs --address <host:port> of the Temporal frontend');
    return { kind: 'external', address: options.address, namespace: options.namespace ?? 'default', ...connectionFromFlags(options) };
  }
  const given = [...(options.address ? ['--address'] : []), ...(options.namespace ? ['--namespace'] : []), ...connectionFlagArgs(options)];
  const externalOnly = given.find((arg) => arg.startsWith('--'));
  if (externalOnly) throw new UsageError(`${externalOnly} is for --cluster external, not ${options.cluster}`);
  if (options.network !== undefined && options.cluster !== 'docker')
    throw new UsageError(`--network is for --cluster docker, not ${options.cluster}`);
  if (options.cluster === 'docker') {
    if (options.network === undefined) return { kind: 'docker' };
    if (options.network !== 'host' && options.network !== 'bridge')
      throw new UsageError(`--network must be host or bridge, got '${options.network}'`);
    return { kind: 'docker', network: options.network };
  }
  if (options.cluster === 'local') return { kind: 'local' };
  if (options.cluster === 'services') return { kind: 'services' };
  throw new UsageError(`--cluster must be local, services, docker or external, got '${options.cluster}'`);
}

/** The flags of a run as the user gave them, so a printed command replays the same run (never a secret: see connectionFlagArgs). */
function runFlags(options: ChaosRunOptions): string[] {
  return [
    ...projectFlagArgs(options),
    options.cluster !== 'local' ? `--cluster ${options.cluster}` : '',
    options.address ? `--address ${options.address}` : '',
    options.namespace ? `--namespace ${options.namespace}` : '',
    ...connectionFlagArgs(options),
    options.network ? `--network ${options.network}` : '',
    options.workflows ? `--workflows ${options.workflows}` : '',
    options.activities ? `--activities ${options.activities}` : '',
  ].filter(Boolean);
}

/** A cluster kept across runs (explore), and the workflow types its workers' code exports. */
interface Reuse {
  session: ChaosSession;
  workflowTypes: readonly string[];
}

/** The code a scenario's workers run: the flags, else the scenario's own, else the system's. */
function workerCode(chaos: Chaos, scenario: BoundScenario, options: ChaosRunOptions): WorkerCode {
  const { project, system } = chaos;
  return {
    workflowsPath: modulePath('--workflows', options.workflows, scenario.code?.workflows, project, system.workflowsPath),
    activitiesPath: modulePath('--activities', options.activities, scenario.code?.activities, project, system.activitiesPath),
  };
}

/** The workers' code checked before any cluster starts, its activities called with the parts a worker gets (checkWorkerCode). */
function checkCode(chaos: Chaos, code: WorkerCode): Promise<string[]> {
  const parts = chaos.system.partLinks.filter((link) => link.from === 'worker').map((link) => link.to);
  return checkWorkerCode({ ...code, parts, corpus: chaos.project.corpus });
}

interface RunOneOptions {
  chaos: Chaos;
  scenario: BoundScenario;
  /** How the user named the scenario (a catalogue name or a file), for the command that replays it. */
  source: string;
  seed: number;
  flags: ChaosRunOptions;
  reportDir: string;
  signal: AbortSignal;
  /** An explore session's cluster and checked worker code, to run on instead of a cluster of the run's own. */
  reuse?: Reuse;
  /** Run the workload without faults first (see runWarmUp). */
  warmUp: boolean;
}

/** Run one scenario, write its report, print its verdicts. Returns the report. */
export async function runOne({
  chaos,
  scenario,
  source,
  seed,
  flags: options,
  reportDir,
  signal,
  reuse,
  warmUp,
}: RunOneOptions): Promise<ChaosReport> {
  const { project, system } = chaos;
  const choice = providerChoice(options);
  const code = workerCode(chaos, scenario, options);
  const workflowTypes = reuse?.workflowTypes ?? (await checkCode(chaos, code));
  const session = reuse?.session;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const provider = providerFor(choice);
  let staged: StagedReportDir;
  try {
    staged = stageReportDir(reportDir);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--report ${error.message}`, { cause: error });
    throw error;
  }
  let result;
  // --keep-running: the run's own session, kept up after the report until Ctrl-C.
  let kept: ChaosSession | undefined;
  try {
    if (options.keepRunning && !session) {
      const plan = planRun(scenario, seed, workflowTypes, code.workflowsPath);
      kept = await openSession({
        provider,
        system: scenario.system,
        code,
        workers: scenario.workers,
        projectRoot: project.root,
        stateDir: stateDirOf(project),
        dataDir: path.join(staged.dir, 'cluster'),
        log,
        signal,
      });
      result = await kept.run({ scenario, seed, plan, reportDir: staged.dir, warmUp });
      result = { ...result, timings: { ...result.timings, clusterStartMs: kept.startMs } };
    } else {
      result = session
        ? await session.run({
            scenario,
            seed,
            plan: planRun(scenario, seed, workflowTypes, code.workflowsPath),
            reportDir: staged.dir,
            warmUp,
          })
        : await runScenario({
            scenario,
            seed,
            provider,
            code,
            projectRoot: project.root,
            stateDir: stateDirOf(project),
            reportDir: staged.dir,
            log,
            signal,
            workflowTypes,
            warmUp,
          });
    }
    signal.throwIfAborted(); // Ctrl-C as the run finished: it stops as promised, with no report and no verdict
  } catch (error) {
    await kept?.close();
    // Nothing half-written: a run that did not finish leaves no report, only the logs of a cluster that failed.
    const logs = signal.aborted ? undefined : keepFailureLogs(path.join(staged.dir, 'cluster', 'logs'), stateDirOf(project));
    staged.discard();
    if (signal.aborted) throw new Interrupted('interrupted; stopped the cluster');
    // The system's own code failed (its workload, a hook, a checker): name it in the system's file.
    if (error instanceof SystemCodeError || error instanceof DefinitionError)
      throw new UsageError(`${system.file}: ${firstLine(error)}`, { cause: error });
    if (error instanceof UsageError) throw error;
    throw new HarnessError(
      `chaos run ${scenario.name} (seed ${seed}) could not complete: ${firstLine(error)}${logs ? `; the cluster's logs are kept in ${shownPath(logs)}` : ''}`,
      { cause: error },
    );
  }
  const report = buildReport(result, {
    scenario: { name: scenario.name, description: scenario.description },
    provider: choice.kind,
    replay: printedCommand('chaos run', source, '--seed', String(seed), ...runFlags(options)),
  });
  writeFileAtomic(path.join(staged.dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(path.join(staged.dir, 'report.html'), renderChaosHtml(report));
  staged.publish();
  if (!options.json)
    process.stdout.write(`${renderText(report).join('\n')}\n  report: ${shownPath(path.join(reportDir, 'report.html'))}\n`);
  if (kept) {
    log(`the cluster keeps running${report.webUiUrl ? `: Temporal Web UI ${report.webUiUrl}` : ''}; press Ctrl-C to stop it`);
    await whenAborted(signal);
    await kept.close();
    log('stopped the cluster');
  }
  return report;
}

export async function runCommand(nameOrFile: string | undefined, options: ChaosRunOptions): Promise<number> {
  if (!nameOrFile && !options.all) throw new UsageError('name a scenario (tempest chaos list), give a scenario file, or use --all');
  if (nameOrFile && options.all) throw new UsageError('give a scenario or --all, not both');
  if (options.keepRunning && options.all) throw new UsageError('--keep-running keeps the cluster of one scenario: name one, not --all');
  const seed = seedFlag(options.seed);
  providerChoice(options); // a bad flag is reported before anything loads
  const chaos = await loadChaos(options, options.all ? 'all' : nameOrFile!);
  const provider = providerFor(providerChoice(options));
  // --all: the scenarios of the chosen cluster (the services cluster's own on it, every other one elsewhere).
  const scenarios = options.all
    ? (await listScenarios(chaos.project, chaos.system))
        .filter((scenario) => (scenario.cluster === 'services') === (provider.name === 'services'))
        .map((scenario) => ({ scenario, source: scenario.name }))
    : [{ scenario: await findScenario(nameOrFile!, chaos.project, chaos.system), source: nameOrFile! }];
  for (const { scenario } of scenarios) checkScenarioCluster(scenario, provider);
  const signal = interruptSignal();
  const reports: ChaosReport[] = [];
  let broken: { report: ChaosReport; reportDir: string } | undefined;
  for (const { scenario, source } of scenarios) {
    const reportDir = path.resolve(
      options.report && !options.all
        ? options.report
        : path.join(options.report ?? path.join(chaos.project.outDir, 'reports'), `${scenario.name}-${seed}`),
    );
    const report = await runOne({ chaos, scenario, source, seed, flags: options, reportDir, signal, warmUp: options.warmUp !== false });
    reports.push(report);
    // A system that never worked fails every scenario the same way: the first says so.
    if (report.neverWorked) {
      broken = { report, reportDir };
      break;
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(options.all ? reports : reports[0], null, 2)}\n`);
  else if (options.all) {
    process.stdout.write(`\n${reports.filter((r) => r.ok).length}/${reports.length} scenarios held every invariant\n`);
    for (const r of reports)
      process.stdout.write(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.scenario.name} (${(r.timings.totalMs / 1000).toFixed(0)} s)\n`);
  }
  if (broken) throw neverWorkedError(broken.report, broken.reportDir);
  // A fault that never reached its point proved nothing: that is the scenario's problem, not a verdict on the system.
  const unreached = reports.flatMap((r) => unreachedPoints(r).map((line) => `${r.scenario.name}: ${line}`));
  if (unreached.length > 0 && reports.every((r) => r.verdicts.every((v) => v.ok)))
    throw new UsageError(
      `the run proves nothing: ${unreached.join('; ')} (its report is kept; place the fault at a point the workload reaches)`,
    );
  return reports.every((r) => r.ok) ? EXIT.ok : EXIT.verdictFailed;
}

/** The harness error of a run whose system never worked (exit 2): its line, and where its report is kept. */
function neverWorkedError(report: ChaosReport, reportDir: string): NeverWorkedError {
  return new NeverWorkedError(`${report.neverWorked!.line}; the report is kept in ${shownPath(reportDir)}`);
}

export interface ChaosExploreOptions extends ChaosRunOptions {
  runs: string;
  path?: string;
  maxFaults: string;
  longestOutage: string;
  confirm: string;
  reruns: string;
  timeLimit: string;
}

/** A scenario module that replays the minimal schedule exactly: `tempest chaos run <file> --seed <seed>`. */
function scenarioFileText(scenario: BoundScenario, faults: readonly GeneratedFault[]): string {
  const spec = {
    name: `${scenario.name}-minimal`,
    description: scenario.description,
    workload: scenario.workload,
    faults: toFaultSpecs(faults),
    checks: scenario.checks,
    settleWithin: scenario.settleWithinMs,
    workers: scenario.workers,
    ...(scenario.code ? { code: scenario.code } : {}),
    ...(scenario.cluster ? { cluster: scenario.cluster } : {}),
  };
  return `// Written by tempest chaos explore: the smallest fault schedule found that breaks an invariant.\nimport { defineScenario } from 'tempest/chaos';\n\nexport default defineScenario(${JSON.stringify(spec, null, 2)});\n`;
}

/** explore's numeric flags, checked, and its --path's shape. */
function exploreFlags(options: ChaosExploreOptions) {
  if (options.path !== undefined && !/^\d+(:\d+)*$/.test(options.path))
    throw new UsageError(`--path must look like 3:1:0 (as explore printed it), got '${options.path}'`);
  return {
    runs: wholeNumber('--runs', options.runs, { min: 1 }),
    maxFaults: wholeNumber('--max-faults', options.maxFaults, { min: 1 }),
    confirm: wholeNumber('--confirm', options.confirm, { min: 1 }),
    reruns: wholeNumber('--reruns', options.reruns, { min: 1 }),
    longestMs: wholeNumber('--longest-outage', options.longestOutage, { min: 5 }) * 1000,
    timeLimitMs: wholeNumber('--time-limit', options.timeLimit, { min: 1 }) * 1000,
  };
}

/** How a schedule ended, in a line: held (vacuously, when a fault never reached its point), or the invariants it broke. */
function scheduleVerdict(report: ChaosReport, unreached: readonly string[]): string {
  const broken = report.verdicts.filter((v) => !v.ok).map((v) => v.checker);
  if (broken.length > 0) return `VIOLATED: ${broken.join(', ')}`;
  return `every invariant held${unreached.length > 0 ? ` (vacuously: ${unreached.join('; ')})` : ''}`;
}

export async function exploreCommand(name: string, options: ChaosExploreOptions): Promise<number> {
  // The time limit bounds the whole command: the cluster's start, the fault-free run, exploring, shrinking, re-running.
  const started = Date.now();
  const seed = seedFlag(options.seed);
  providerChoice(options);
  const chaos = await loadChaos(options, name);
  const scenario = await findScenario(name, chaos.project, chaos.system);
  checkScenarioCluster(scenario, providerFor(providerChoice(options)));
  const { runs, maxFaults, confirm, reruns, longestMs, timeLimitMs } = exploreFlags(options);
  const code = workerCode(chaos, scenario, options);
  const workflowTypes = await checkCode(chaos, code);
  const signal = interruptSignal();
  const base = path.resolve(options.report ?? path.join(chaos.project.outDir, 'reports', `explore-${scenario.name}-${seed}`));
  const session = await openExploreSession(chaos, scenario, code, options, path.join(base, 'cluster'), signal);
  let attempt = 0;
  let passed: PointCatalogue | undefined;
  /**
   * Runs one schedule on the session's cluster; true when every invariant held. A schedule whose fault never reached
   * its point held, vacuously: shrinking must not move a fault out of reach and call that the bug.
   */
  const runSchedule = async (candidate: BoundScenario, schedule: readonly GeneratedFault[], label: string): Promise<boolean> => {
    if (signal.aborted) throw new Interrupted('interrupted; stopped the cluster');
    attempt++;
    process.stderr.write(
      `\nschedule ${attempt}${label}: ${schedule.map((f) => describeGenerated(scenario.system, f)).join('; ') || 'no faults'}\n`,
    );
    // Every schedule runs the same workload (the explore seed plans it), under fresh ids on the same cluster.
    const report = await runOne({
      chaos,
      scenario: candidate,
      source: name,
      seed,
      flags: { ...options, json: true },
      reportDir: path.join(base, `schedule-${attempt}`),
      signal,
      reuse: { session, workflowTypes },
      // The first schedule establishes that the system works without faults; the same cluster and code serve the rest.
      warmUp: attempt === 1 && options.warmUp !== false,
    });
    if (report.neverWorked) throw neverWorkedError(report, path.join(base, `schedule-${attempt}`));
    const held = report.verdicts.every((v) => v.ok);
    const unreached = unreachedPoints(report);
    passed ??= report.pointsPassed;
    process.stderr.write(`schedule ${attempt}: ${scheduleVerdict(report, unreached)}\n`);
    if (held) pruneSchedule(path.join(base, `schedule-${attempt}`));
    return held;
  };
  try {
    process.stderr.write(
      `exploring ${scenario.name}: up to ${runs} fault schedules (seed ${seed}) on one cluster, shrinking any failure, within ${timeLimitMs / 1000} s in all\n`,
    );
    // A fault-free run first: it says which points the workload passes (where the schedules place their faults).
    if (!(await runSchedule(withSchedule(scenario, []), [], ' (no faults: the points the workload passes)')))
      return reportExploreFailure(
        {
          failed: true,
          runs: 0,
          seed,
          path: '',
          shrunk: [],
          minimal: [],
          shrinks: 0,
          reruns: { ran: 0, failed: 0 },
          schedulesRun: 1,
          timeLimitReached: false,
        },
        { scenario, name, seed, base, options, reruns: 0, limit: '' },
      );
    writeFileAtomic(path.join(base, 'points-passed.json'), `${JSON.stringify(passed, null, 2)}\n`);
    process.stderr.write(`points the workload passes: ${describeCatalogue(passed!)}\n`);
    const result = await exploreSchedules({
      scenario,
      runs,
      seed,
      path: options.path,
      maxFaults,
      longestMs,
      timeLimitMs: Math.max(0, started + timeLimitMs - Date.now()),
      catalogue: passed,
      confirm,
      reruns,
      run: runSchedule,
      onUnconfirmed: () => process.stderr.write(`schedule ${attempt}: it held this time: a failure that does not repeat is not counted\n`),
    });
    const limit = result.timeLimitReached ? ` (the time limit of ${timeLimitMs / 1000} s ended the search)` : '';
    if (!result.failed) {
      process.stdout.write(
        `\n${result.schedulesRun} fault schedules of ${scenario.name}: every invariant held in each (seed ${result.seed})${limit}\n`,
      );
      return EXIT.ok;
    }
    return reportExploreFailure(result, { scenario, name, seed, base, options, reruns, limit });
  } finally {
    await session.close();
  }
}

/** The cluster every schedule of an explore runs on: a failure to start it is a harness error naming its kept logs. */
async function openExploreSession(
  chaos: Chaos,
  scenario: BoundScenario,
  code: WorkerCode,
  options: ChaosExploreOptions,
  dataDir: string,
  signal: AbortSignal,
): Promise<ChaosSession> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    return await openSession({
      provider: providerFor(providerChoice(options)),
      system: scenario.system,
      code,
      workers: scenario.workers,
      projectRoot: chaos.project.root,
      stateDir: stateDirOf(chaos.project),
      dataDir,
      log,
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw new Interrupted('interrupted; stopped the cluster');
    if (error instanceof UsageError) throw error;
    const logs = keepFailureLogs(path.join(dataDir, 'logs'), stateDirOf(chaos.project));
    throw new HarnessError(
      `chaos explore ${scenario.name} could not start its cluster: ${firstLine(error)}${logs ? `; the cluster's logs are kept in ${shownPath(logs)}` : ''}`,
      { cause: error },
    );
  }
}

/** The catalogue in one line: "withdraw 6, deposit 5 attempts; worker-bank: POST /withdraw 6, POST /deposit 5". */
function describeCatalogue(catalogue: PointCatalogue): string {
  const activities = Object.entries(catalogue.activities).map(([type, n]) => `${type} ${n}`);
  const requests = Object.entries(catalogue.requests).map(
    ([link, kinds]) =>
      `${link}: ${Object.entries(kinds)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ')}`,
  );
  return [activities.length > 0 ? `${activities.join(', ')} attempts` : 'no activity attempts', ...requests].join('; ');
}

/** A schedule that held keeps its report, its plan and its operation history; its recorded histories go. */
function pruneSchedule(dir: string): void {
  rmSync(path.join(dir, 'histories'), { recursive: true, force: true });
}

function reportExploreFailure(
  result: Extract<ExploreResult, { failed: true }>,
  context: {
    scenario: BoundScenario;
    name: string;
    seed: number;
    base: string;
    options: ChaosExploreOptions;
    reruns: number;
    /** What the time limit cut short, or ''. */
    limit: string;
  },
): number {
  const { scenario, name, seed, base, options, reruns, limit } = context;
  const { ran, failed } = result.reruns;
  const file = path.join(base, 'minimal-scenario.ts');
  writeFileAtomic(file, scenarioFileText(scenario, result.minimal));
  process.stdout.write(
    [
      '',
      result.minimal.length === 0
        ? 'An invariant broke without any fault: the workload alone breaks it.'
        : `An invariant broke. Smallest fault schedule found (${result.shrinks} shrinks, then unneeded faults dropped)${limit}:`,
      ...result.minimal.map((f) => `  ${describeGenerated(scenario.system, f)}`),
      ...(result.minimal.length === 0 ? [] : [rerunLine(ran, failed, reruns)]),
      `Run it again:             ${printedCommand('chaos run', shownPath(file), '--seed', String(seed), ...runFlags(options))}`,
      ...(result.path
        ? [
            `Run fast-check's case:    ${printedCommand('chaos explore', name, '--seed', String(result.seed), '--path', result.path, '--runs', '1', ...runFlags(options))}`,
          ]
        : []),
      `Reports of every schedule: ${shownPath(base)}`,
      '',
    ].join('\n'),
  );
  return EXIT.verdictFailed;
}

/** How often the smallest schedule broke an invariant again. */
function rerunLine(ran: number, failed: number, of: number): string {
  if (ran === 0) return 'Not re-run: the time limit came first.';
  const cut = ran < of ? ` (of ${of}, the time limit came first)` : '';
  const why =
    failed < ran ? ' (a fault placed at a time lands where the cluster happens to be: one placed at a point lands there every time)' : '';
  return `Re-ran it ${ran} more time${ran === 1 ? '' : 's'}${cut}: it broke an invariant ${failed} of ${ran} times${why}.`;
}
