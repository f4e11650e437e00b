/**
 * Several events in one workflow task: a race that needs a signal and a timer in one task (the SDK runs the
 * handler first, so an approval at the deadline counts as in time) is found, shrunk to the together step that delivers both in one task, and replayed exactly by its seed and path; its
 * correct control is explored as long with together steps and never flagged; a definition can turn them off (for a
 * workflow with a default signal handler, which would see the explorer's signal); and a together step that cannot be
 * set up ends the search as a harness error naming it, instead of hanging.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExploreResult, exploreWorkflow, formatRun, type InterleavingRun, type InterleavingsDefinition } from 'tempest/interleave';
import { resolveInterleavings } from '../../src/features/interleave/definition';
import { exploreInterleavings } from '../../src/features/interleave/explore';
import { TOGETHER_SIGNAL } from '../../src/features/interleave/run';
import { openSession } from '../../src/features/interleave/session';
import approvalAtDeadline from '../fixtures/interleavings/together/approval-at-deadline';
import approvalAtDeadlineChecked from '../fixtures/interleavings/together/approval-at-deadline-checked';
import approvalWindowStrict from '../fixtures/interleavings/together/approval-window-strict';
import { REPO_ROOT } from '../support/repo';

const workflowsPath = path.join(REPO_ROOT, 'test', 'fixtures', 'interleavings', 'together', 'workflows.ts');
const tookTogether = (run: InterleavingRun): boolean => run.timeline.some(({ step }) => step.kind === 'together');
const carriesTogetherSignal = (run: InterleavingRun): boolean =>
  run.runs.some(({ history }) => JSON.stringify(history).includes(TOGETHER_SIGNAL));

/** Explore 100 runs from seed 1, counting the runs `count` holds for. */
async function exploreCounting(
  interleavings: InterleavingsDefinition,
  count: (run: InterleavingRun) => boolean,
): Promise<{ result: ExploreResult; counted: number }> {
  let counted = 0;
  const result = await exploreWorkflow({
    interleavings,
    workflowsPath,
    runs: 100,
    seed: 1,
    onRun: (run) => void (counted += count(run) ? 1 : 0),
  });
  return { result, counted };
}

describe('several events in one workflow task', () => {
  it('finds an approval taken as in time in the task where its deadline fired, shrunk to that together step, and its seed and path replay it twice exactly', async () => {
    const result = await exploreWorkflow({ interleavings: approvalAtDeadline, workflowsPath, runs: 200, seed: 1 });
    if (!result.failed) return expect.fail(`no ordering broke a property in ${result.runs} runs`);
    expect(result.violations.map((v) => v.property)).toEqual(['approved-only-before-the-deadline']);
    const timeline = formatRun(result.run);
    expect(timeline).toMatchInlineSnapshot(`
      [
        "+10m      time moved: timer 1 fires + signal approve sent (one workflow task)",
        "+10m      workflow called shipOrder",
        "+10m      shipOrder completed",
        "          ended completed: {"decision":"approved","approvedAfterMs":600000}",
      ]
    `);
    for (const _ of [1, 2]) {
      const replayed = await exploreWorkflow({
        interleavings: approvalAtDeadline,
        workflowsPath,
        runs: 1,
        seed: result.seed,
        path: result.path,
      });
      if (!replayed.failed) return expect.fail(`seed ${result.seed} and path ${result.path} did not replay the failure`);
      expect(formatRun(replayed.run)).toEqual(timeline);
    }
  });

  it('raises no alarm on the control, whose runs take together steps too', async () => {
    const { result, counted: together } = await exploreCounting(approvalAtDeadlineChecked, tookTogether);
    expect(result.failed).toBe(false);
    expect(result.runs).toBe(100);
    expect(together).toBeGreaterThan(0);
  });

  it('with together: false, a workflow with a default signal handler never sees the together signal; with it on, it does', async () => {
    const { result: off, counted: carried } = await exploreCounting(
      approvalWindowStrict,
      (run) => carriesTogetherSignal(run) || tookTogether(run),
    );
    expect(off.failed).toBe(false);
    expect(off.runs).toBe(100);
    expect(carried).toBe(0);
    // the same definition with together steps on: the default handler sees the explorer's signal
    const on = await exploreWorkflow({ interleavings: { ...approvalWindowStrict, together: true }, workflowsPath, runs: 100, seed: 1 });
    if (!on.failed) return expect.fail(`no ordering broke a property in ${on.runs} runs`);
    expect(on.violations).toEqual([{ property: 'no-unexpected-signals', message: `the default signal handler saw ${TOGETHER_SIGNAL}` }]);
  });

  it('a together step whose held workflow task completes without the hold ends the search at once as a harness error naming it', async () => {
    const session = await openSession({ workflowsPath, activities: approvalAtDeadline.activities });
    try {
      // the task carrying the together signal is taken, but its completion is never seen: as if another worker took it
      session.worker.holdNextCompletion = () => ({ reached: new Promise<void>(() => undefined), release: () => undefined });
      const interleavings = resolveInterleavings(approvalAtDeadline);
      const result = await exploreInterleavings({ session, interleavings, runs: 50, seed: 1, idPrefix: 'together-broken' });
      expect(result.harnessError?.message).toMatch(
        /^run together-broken-\d+ broke: the steps advance \+ send could not share one workflow task: the task carrying the __tempest_together signal completed without reaching the explorer's worker's hold \(does another worker poll its task queue\?\)$/,
      );
      expect(tookTogether(result.harnessError!.run!)).toBe(true);
    } finally {
      await session.close();
    }
  });
});
