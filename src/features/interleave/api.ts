/**
 * Exploring a workflow's interleavings from a test or the CLI: one session (time-skipping server with its clock
 * frozen, worker, replay worker) for the whole exploration, the definition's signals and updates checked against
 * the workflow first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../base/files.ts';
import { type InterleavingsDefinition, resolveInterleavings } from './definition.ts';
import type { TestServerClock } from '../../base/harness/temporal.ts';
import {
  checkHandlersDefined,
  decisions,
  eventsSent,
  exploreInterleavings,
  type ExploreResult,
  judgeRun,
  replayChooser,
  type Violation,
} from './explore.ts';
import { InterleaveError, runOrdering } from './run.ts';
import type { InterleavingRun, Step } from './run-record.ts';
import { openSession } from './session.ts';
import { describeStep, formatRun } from './timeline.ts';

export const ORDERING_SCHEMA = 'tempest.interleaving/v2';
/** Orderings saved before updates and children: their steps are a subset, so they still replay. */
const EARLIER_SCHEMAS: readonly string[] = ['tempest.interleaving/v1'];

export interface ExploreWorkflowOptions {
  interleavings: InterleavingsDefinition;
  /** The workflows module to run (TypeScript or JavaScript); bundled once. */
  workflowsPath: string;
  runs?: number;
  seed?: number;
  path?: string;
  timeLimitMs?: number;
  onRun?: (run: InterleavingRun, violations: readonly Violation[], index: number) => void;
  /** The test server's clock: frozen (the default), or real where the frozen clock cannot run. */
  clock?: TestServerClock;
}

/** Explore: hundreds of orderings a minute; a failure comes back shrunk, with its timeline, seed and path. */
export async function exploreWorkflow(options: ExploreWorkflowOptions): Promise<ExploreResult> {
  const interleavings = resolveInterleavings(options.interleavings);
  const session = await openSession({ workflowsPath: options.workflowsPath, activities: interleavings.activities, clock: options.clock });
  try {
    // Every exploration has a server of its own, so run ids repeat across explorations: one seed, the same ids (they
    // show in the workflow's own messages, so in the timeline).
    const prefix = interleavings.name;
    await checkHandlersDefined(session, interleavings, `${prefix}-handlers`);
    return await exploreInterleavings({
      session,
      interleavings,
      runs: options.runs ?? 200,
      seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
      path: options.path,
      timeLimitMs: options.timeLimitMs,
      idPrefix: prefix,
      onRun: options.onRun,
    });
  } finally {
    await session.close();
  }
}

/** A failing ordering saved as a regression: its steps replay it on any later code, no fast-check involved. */
export interface SavedOrdering {
  schema: string;
  interleavings: string;
  workflowType: string;
  seed: number;
  path: string;
  steps: Step[];
  /** What it looked like when saved, for people. */
  timeline: string[];
  violations: Violation[];
}

function savedOrdering(interleavings: InterleavingsDefinition, result: Extract<ExploreResult, { failed: true }>): SavedOrdering {
  const steps = decisions(result.run);
  return {
    schema: ORDERING_SCHEMA,
    interleavings: interleavings.name,
    workflowType: interleavings.workflowType,
    seed: result.seed,
    path: result.path,
    steps,
    timeline: formatRun(result.run),
    violations: result.violations,
  };
}

export function saveOrdering(file: string, interleavings: InterleavingsDefinition, result: Extract<ExploreResult, { failed: true }>): void {
  writeFileAtomic(file, `${JSON.stringify(savedOrdering(interleavings, result), null, 2)}\n`);
}

/** `from` as an import specifier relative to the folder of `file`. */
function relativeSpecifier(file: string, from: string): string {
  const relative = path.relative(path.dirname(file), from).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/**
 * A TypeScript module's import specifier as every module setting resolves it: with the extension of its output
 * (`order.ts` as `order.js`), which NodeNext requires (TS2835 without one) and Bundler, vitest and tsx accept.
 */
function importSpecifier(file: string, from: string): string {
  return relativeSpecifier(file, from).replace(/\.([cm]?)tsx?$/, (_, kind: string) => `.${kind}js`);
}

/**
 * The failing ordering as a vitest regression test: it replays the ordering against the workflows and fails while
 * any property still breaks under it. `definitionFile` and `workflowsPath` are imported relative to the test file.
 */
export function saveRegressionTest(
  file: string,
  definitionFile: string,
  workflowsPath: string,
  interleavings: InterleavingsDefinition,
  result: Extract<ExploreResult, { failed: true }>,
): void {
  const saved = savedOrdering(interleavings, result);
  const broke = [...new Set(result.violations.map((v) => v.property))].join(', ');
  const text = [
    `// Saved by tempest interleave: the ordering of ${interleavings.name} that broke ${broke}, shrunk.`,
    ...saved.timeline.map((line) => `//   ${line}`),
    "import { fileURLToPath } from 'node:url';",
    "import { replayOrdering, type SavedOrdering } from 'tempest/interleave';",
    "import { expect, it } from 'vitest';",
    `import interleavings from '${importSpecifier(file, definitionFile)}';`,
    '',
    `const workflowsPath = fileURLToPath(new URL('${relativeSpecifier(file, workflowsPath)}', import.meta.url));`,
    `const saved: SavedOrdering = ${JSON.stringify(saved, null, 2)};`,
    '',
    `it('${interleavings.name}: the ordering that broke ${broke} now keeps every property', async () => {`,
    '  const { violations } = await replayOrdering({ interleavings, workflowsPath, saved });',
    '  expect(violations).toEqual([]);',
    '}, 60_000);',
    '',
  ].join('\n');
  writeFileAtomic(file, text);
}

export function readOrdering(file: string, interleavings: InterleavingsDefinition): SavedOrdering {
  let saved: Partial<SavedOrdering>;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedOrdering>;
  } catch (error) {
    throw new InterleaveError(`${file}: not a saved ordering: ${(error as Error).message.split('\n')[0]}`);
  }
  if ((saved.schema !== ORDERING_SCHEMA && !EARLIER_SCHEMAS.includes(saved.schema ?? '')) || !Array.isArray(saved.steps))
    throw new InterleaveError(`${file}: not a saved ordering (expected "schema": "${ORDERING_SCHEMA}" and its "steps")`);
  if (saved.interleavings !== interleavings.name)
    throw new InterleaveError(`${file}: saved from the interleavings '${saved.interleavings}', not '${interleavings.name}'`);
  return saved as SavedOrdering;
}

/** Run one saved ordering again and judge it: its violations, none when the bug it caught is gone. */
export async function replayOrdering(options: {
  interleavings: InterleavingsDefinition;
  workflowsPath: string;
  saved: SavedOrdering;
  clock?: TestServerClock;
}): Promise<{ run: InterleavingRun; violations: Violation[] }> {
  const interleavings = resolveInterleavings(options.interleavings);
  const session = await openSession({ workflowsPath: options.workflowsPath, activities: interleavings.activities, clock: options.clock });
  try {
    const events = eventsSent(options.saved.steps);
    const run = await runOrdering({
      session,
      interleavings,
      workflowId: `${interleavings.name}-saved`,
      events,
      choose: replayChooser(options.saved.steps, describeStep),
    });
    return { run, violations: await judgeRun(run, interleavings, session) };
  } finally {
    await session.close();
  }
}
