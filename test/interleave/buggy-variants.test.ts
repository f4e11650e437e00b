import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import order from '../../interleavings/order';
import orderSaga from '../../interleavings/order-saga';
import { exploreWorkflow, formatRun, type InterleavingsDefinition, readOrdering, replayOrdering, saveOrdering } from 'tempest/interleave';
import { REPO_ROOT } from '../support/repo';

const fixture = (name: string): string => path.join(REPO_ROOT, 'test', 'fixtures', 'interleavings', `${name}.ts`);

/** Explore until a property breaks; the shrunk ordering's timeline, without the workflow ids that differ per run. */
async function found(interleavings: InterleavingsDefinition, workflows: string, seed: number) {
  const result = await exploreWorkflow({ interleavings, workflowsPath: fixture(workflows), runs: 400, seed });
  if (!result.failed) return expect.fail(`${workflows}: no ordering broke a property in ${result.runs} runs`);
  return {
    result,
    timeline: formatRun(result.run).map((line) =>
      line.replace(/"orderId":"[^"]+"/, '"orderId":"…"').replace(/Order \S+ failed/, 'Order … failed'),
    ),
  };
}

describe('buggy variants, right under the obvious order, are found and shrunk to the interleaving that breaks them', () => {
  it('a saga that records each compensation after its step: cancelled while a step runs, it never undoes that step', async () => {
    const { result, timeline } = await found(orderSaga, 'saga-compensation-after-step', 1);
    expect(result.violations.map((v) => v.property)).toEqual(['every-applied-step-compensated']);
    expect(timeline).toEqual([
      '+0s       workflow called reserveInventory',
      '+0s       cancellation requested',
      '          ended failed: OrderFailed: Order … failed',
    ]);

    // Its seed and path replay it exactly: the same ordering, the same timeline, the same violation.
    const replayed = await exploreWorkflow({
      interleavings: orderSaga,
      workflowsPath: fixture('saga-compensation-after-step'),
      runs: 1,
      seed: result.seed,
      path: result.path,
    });
    if (!replayed.failed) return expect.fail('the seed and path did not replay the failure');
    expect(formatRun(replayed.run).slice(0, -1)).toEqual(timeline.slice(0, -1));
    expect(replayed.violations).toEqual(result.violations.map((v) => ({ ...v, message: expect.any(String) })));
  });

  it('an order that undoes only the answers it has seen: cancelled while reserve and charge run, it undoes neither', async () => {
    const { result, timeline } = await found(order, 'order-undoes-what-it-knows', 1);
    expect(result.violations.map((v) => v.property)).toEqual(['undone-unless-shipped']);
    expect(timeline).toEqual([
      '+0s       workflow called reserveInventory',
      '+0s       workflow called chargePayment',
      '+0s       signal cancelOrder sent',
      '          ended completed: {"orderId":"…","state":"cancelled","cancelReason":"changed my mind"}',
    ]);
  });

  it('an order that waits for a decision with no deadline: left alone, it never ends', async () => {
    const { result, timeline } = await found(order, 'order-waits-forever', 1);
    expect(result.violations.map((v) => v.property)).toContain('ended');
    expect(timeline).toEqual([
      '+0s       workflow called reserveInventory',
      '+0s       workflow called chargePayment',
      '+0s       reserveInventory completed',
      '+0s       chargePayment completed',
      '          stuck: still running with nothing left to happen: no activity to answer, no timer, no event left to send',
    ]);
  });

  it('an order that accepts an approval arriving while its auto-reject undoes it: ships an undone order; saved, the ordering replays', async () => {
    const { result, timeline } = await found(order, 'order-approves-after-auto-reject', 3);
    expect(result.violations.map((v) => v.property)).toEqual(['ships-only-when-approved']);
    expect(timeline.slice(4, 8)).toEqual([
      '+1d       time moved: timer 1 fires',
      '+1d       workflow called cancelOrder',
      '+1d       signal approve sent',
      '+1d       cancelOrder completed',
    ]);

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tempest-ordering-')), 'approve-after-auto-reject.json');
    saveOrdering(file, order, result);
    const saved = readOrdering(file, order);
    const buggy = await replayOrdering({ interleavings: order, workflowsPath: fixture('order-approves-after-auto-reject'), saved });
    expect(buggy.violations.map((v) => v.property)).toEqual(['ships-only-when-approved']);
    const packaged = await replayOrdering({ interleavings: order, workflowsPath: path.join(REPO_ROOT, 'workflows', 'index.ts'), saved });
    expect(packaged.violations).toEqual([]);
    expect(packaged.run.outcome).toMatchObject({ status: 'completed', result: { state: 'rejected' } });
  });
});
