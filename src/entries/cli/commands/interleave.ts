/**
 * `tempest interleave <file>`: run a workflow under many orderings of its activity answers, signals, updates,
 * cancellation and timers in virtual time, check every run's properties, and shrink a failure to a minimal
 * timeline. Exit 0 every property held, 1 one did not (with the timeline, seed and path), 2 a usage or harness
 * error (a harness that broke mid-search still prints what was found until then, and the run that broke).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DefinitionError } from '../../../base/definition.ts';
import { WorkflowBundleError } from '../../../base/harness/bundle.ts';
import { exploreWorkflow, readOrdering, replayOrdering, saveOrdering, saveRegressionTest } from '../../../features/interleave/api.ts';
import { synthesizeCorpus, type ShapeCount } from '../../../features/interleave/corpus.ts';
import { type InterleavingsDefinition, resolveInterleavings } from '../../../features/interleave/definition.ts';
import { BUILT_IN_PROPERTIES, type ExploreResult, type Violation } from '../../../features/interleave/explore.ts';
import { REAL_CLOCK_CAVEAT, type TestServerClock } from '../../../base/harness/temporal.ts';
import { InterleaveError } from '../../../features/interleave/run.ts';
import { formatRun } from '../../../features/interleave/timeline.ts';
import { probeModules } from '../../../base/modules/probe.ts';
import { importUserModule } from '../../../base/modules/user-module.ts';
import { seedFlag, wholeNumber } from '../flags.ts';
import { EXIT, UsageError } from '../../../base/errors.ts';
import { printedCommand, type ProjectFlags, probed, projectFlagArgs, projectOf, shownPath } from '../project.ts';

export interface InterleaveOptions extends ProjectFlags {
  runs: string;
  seed?: string;
  path?: string;
  workflows?: string;
  timeLimit?: string;
  save?: string;
  ordering?: string;
  corpus?: boolean;
  clock?: string;
  json?: boolean;
}

async function loadInterleavings(file: string): Promise<InterleavingsDefinition> {
  await probed([path.resolve(file)], 'interleavings');
  const module = await importUserModule(file, { label: 'interleavings', shown: file });
  const definition = module.default as InterleavingsDefinition | undefined;
  if (!definition || typeof definition !== 'object') throw new UsageError(`${file}: must default-export defineInterleavings({...})`);
  try {
    resolveInterleavings(definition); // again: a file may export a plain object instead of calling defineInterleavings
  } catch (error) {
    if (error instanceof DefinitionError) throw new UsageError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
  return definition;
}

/** The workflows module, checked to export the workflow type before any server starts. */
async function workflowsModule(given: string | undefined, fallback: string | undefined, workflowType: string): Promise<string> {
  const file = given !== undefined ? path.resolve(given) : fallback;
  if (file === undefined) throw new UsageError('no workflows module: pass --workflows <module>, or set `workflows` in tempest.config.ts');
  if (!existsSync(file))
    throw new UsageError(`${given !== undefined ? '--workflows ' : "the config's workflows "}${shownPath(file)}: no such file`);
  const probe = (await probeModules([file], { label: 'workflows', show: shownPath })).get(file);
  if (probe && 'exports' in probe && probe.exports[workflowType] !== 'function') {
    const types = Object.entries(probe.exports)
      .filter(([, kind]) => kind === 'function')
      .map(([name]) => name);
    throw new UsageError(
      `workflowType '${workflowType}': ${shownPath(file)} exports no such workflow (it exports ${types.join(', ') || 'none'})`,
    );
  }
  return file;
}

/** The command that replays a failure exactly, as printed for the user to run. */
export function replayCommand(
  file: string,
  options: Pick<InterleaveOptions, 'config' | 'workflows'>,
  seed: number,
  fcPath: string,
): string {
  return printedCommand(
    'interleave',
    file,
    ...projectFlagArgs(options),
    options.workflows ? `--workflows ${options.workflows}` : '',
    `--seed ${seed}`,
    `--path ${fcPath}`,
  );
}

const violationLines = (violations: readonly Violation[]): string[] => violations.map((v) => `  violated: ${v.property}: ${v.message}`);

function shapeLines(count: ShapeCount): string[] {
  const lines = [
    `shapes: ${count.explored} distinct histories of ${count.workflowType} explored; the corpus held ${count.coveredBefore} of them (${count.corpusBefore} shapes of ${count.workflowType} in all)`,
  ];
  if (count.written.length > 0)
    lines.push(
      `corpus: ${count.written.length} histories of new shapes written; it now holds ${count.corpusAfter} shapes of ${count.workflowType}`,
    );
  return lines;
}

export async function runInterleave(file: string, options: InterleaveOptions): Promise<number> {
  const project = await projectOf(options);
  const definition = await loadInterleavings(file);
  const runs = wholeNumber('--runs', options.runs, { min: 1, max: 100_000 });
  const seed = seedFlag(options.seed);
  if (options.path !== undefined && options.seed === undefined)
    throw new UsageError('--path replays an ordering of one seed: give its --seed too');
  if (options.path !== undefined && !/^\d+(:\d+)*$/.test(options.path))
    throw new UsageError(`--path must be fast-check's path as explore printed it (numbers separated by ':'), got '${options.path}'`);
  const timeLimitMs =
    options.timeLimit === undefined ? undefined : wholeNumber('--time-limit', options.timeLimit, { min: 1, max: 86_400 }) * 1000;
  if (options.ordering !== undefined && !existsSync(options.ordering)) throw new UsageError(`--ordering ${options.ordering}: no such file`);
  if (options.save !== undefined && !existsSync(path.dirname(path.resolve(options.save))))
    throw new UsageError(`--save ${options.save}: its folder does not exist`);
  const clock = options.clock ?? 'frozen';
  if (clock !== 'frozen' && clock !== 'real') throw new UsageError(`--clock must be frozen or real, got '${clock}'`);
  const workflowsPath = await workflowsModule(options.workflows, project.workflows, definition.workflowType);
  if (clock === 'real') process.stderr.write(`tempest: --clock real: ${REAL_CLOCK_CAVEAT}\n`);

  try {
    if (options.ordering !== undefined) {
      const saved = readOrdering(options.ordering, definition);
      const { run, violations } = await replayOrdering({
        interleavings: definition,
        workflowsPath,
        saved,
        clock: clock as TestServerClock,
      });
      if (options.json)
        process.stdout.write(`${JSON.stringify({ ordering: options.ordering, violations, timeline: formatRun(run) }, null, 2)}\n`);
      else
        process.stdout.write(
          [
            `ordering ${options.ordering} (${definition.name}):`,
            ...formatRun(run).map((l) => `  ${l}`),
            ...(violations.length ? violationLines(violations) : ['  every property held']),
          ].join('\n') + '\n',
        );
      return violations.length === 0 ? EXIT.ok : EXIT.verdictFailed;
    }
    const result: ExploreResult = await exploreWorkflow({
      interleavings: definition,
      workflowsPath,
      runs,
      seed,
      path: options.path,
      timeLimitMs,
      clock: clock as TestServerClock,
    });
    const shapes = await synthesizeCorpus({
      corpus: project.corpus,
      workflowType: definition.workflowType,
      histories: [...result.shapes.values()].map((run) => run.history),
      write: options.corpus === true && !result.failed,
      codeVersion: `tempest interleave ${definition.name}`,
    });
    if (result.failed && options.save !== undefined) {
      if (/\.test\.[cm]?[jt]s$/.test(options.save))
        saveRegressionTest(path.resolve(options.save), path.resolve(file), workflowsPath, definition, result);
      else saveOrdering(options.save, definition, result);
    }
    const perSecond = result.runs / (result.ms / 1000);
    const broke = result.harnessError;
    if (options.json) {
      const failure = result.failed
        ? {
            path: result.path,
            shrinks: result.shrinks,
            violations: result.violations,
            timeline: formatRun(result.run),
            foundMs: Math.round(result.foundMs),
            shrunkMs: Math.round(result.shrunkMs),
            replay: replayCommand(file, options, result.seed, result.path),
          }
        : undefined;
      const harnessError = broke
        ? { message: broke.message, run: broke.runIndex, ...(broke.run ? { timeline: formatRun(broke.run) } : {}) }
        : undefined;
      process.stdout.write(
        `${JSON.stringify(
          {
            interleavings: definition.name,
            runs: result.runs,
            seed: result.seed,
            ms: Math.round(result.ms),
            perSecond: Number(perSecond.toFixed(1)),
            clock,
            failed: result.failed,
            firstFailedRun: result.firstFailedRun ?? null,
            failure,
            harnessError,
            shapes,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const head = `interleavings ${definition.name}: ${result.runs} ordering${result.runs === 1 ? '' : 's'} in ${(result.ms / 1000).toFixed(1)} s (${perSecond.toFixed(1)} a second), seed ${result.seed}`;
      const lines = result.failed
        ? [
            `${head}: a property broke (first in run ${result.firstFailedRun ?? '?'}, found after ${(result.foundMs / 1000).toFixed(1)} s, shrunk ${result.shrinks} times by ${(result.shrunkMs / 1000).toFixed(1)} s) under this ordering:`,
            ...formatRun(result.run).map((l) => `  ${l}`),
            ...violationLines(result.violations),
            `replay it: ${replayCommand(file, options, result.seed, result.path)}`,
            ...(options.save
              ? [
                  `saved: ${options.save} (${/\.test\.[cm]?[jt]s$/.test(options.save) ? 'a regression test: it fails until the bug is fixed' : `replay it with --ordering ${options.save}`})`,
                ]
              : []),
          ]
        : [
            `${head}: ${broke ? `no property broke in the ${result.runs - 1} runs before the harness broke` : `every property held (${definition.properties?.length ?? 0} of the definition's, and ${BUILT_IN_PROPERTIES.join(', ')})`}`,
          ];
      if (broke)
        lines.push(
          `the harness broke in run ${broke.runIndex}, which stopped the search: ${broke.message}`,
          ...(broke.run ? formatRun(broke.run).map((l) => `  ${l}`) : []),
        );
      process.stdout.write(`${[...lines, ...shapeLines(shapes)].join('\n')}\n`);
    }
    if (broke) return EXIT.usageOrHarness;
    return result.failed ? EXIT.verdictFailed : EXIT.ok;
  } catch (error) {
    if (error instanceof InterleaveError || error instanceof WorkflowBundleError)
      throw new UsageError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}
