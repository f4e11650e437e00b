import path from 'node:path';
import { describe, expect, it } from 'vitest';
import order from '../../interleavings/order';
import orderSaga from '../../interleavings/order-saga';
import { exploreWorkflow, formatRun } from 'tempest/interleave';
import { REPO_ROOT } from '../support/repo';

const workflowsPath = path.join(REPO_ROOT, 'workflows', 'index.ts');

describe('the packaged workflows under every interleaving explored', () => {
  it('order: approve, reject and cancelOrder anywhere around reserve, charge, the 24 h timer and the undo break nothing', async () => {
    let sentAfterTimer = 0;
    const result = await exploreWorkflow({
      interleavings: order,
      workflowsPath,
      runs: 150,
      seed: 20261201,
      onRun: (run) => {
        const timer = run.timeline.findIndex((s) => s.step.kind === 'advance');
        if (timer >= 0 && run.timeline.slice(timer).some((s) => s.step.kind === 'send')) sentAfterTimer++;
      },
    });
    expect(result.failed ? formatRun(result.run) : []).toEqual([]);
    expect(result.runs).toBe(150);
    // The exploration reached the orderings the buggy variants need: a decision after the approval timer fired.
    expect(sentAfterTimer).toBeGreaterThan(0);
    expect(result.shapes.size).toBeGreaterThan(10);
  });

  it('order saga: a cancellation request before, during or after any step or compensation breaks nothing', async () => {
    const result = await exploreWorkflow({ interleavings: orderSaga, workflowsPath, runs: 100, seed: 20261201 });
    expect(result.failed ? formatRun(result.run) : []).toEqual([]);
    expect(result.runs).toBe(100);
    const cancelledMidStep = [...result.shapes.values()].filter(
      (run) => run.sent.includes('cancel request') && run.calls.some((c) => !c.answer),
    );
    expect(cancelledMidStep.length).toBeGreaterThan(0);
  });
});
