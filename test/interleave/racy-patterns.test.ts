/**
 * Eight classic races, each a workflow of its own (test/fixtures/interleavings/racy/), found by exploration and
 * shrunk to the interleaving that breaks it, exactly: the shrunk timeline is asserted to the millisecond, and its
 * seed and path replay it byte for byte. Three correct controls are explored as long and never flagged.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreWorkflow, formatRun, type InterleavingsDefinition } from 'tempest/interleave';
import { REPO_ROOT } from '../support/repo';

const racy = path.join(REPO_ROOT, 'test', 'fixtures', 'interleavings', 'racy');
const workflowsPath = path.join(racy, 'workflows.ts');
const definition = async (name: string): Promise<InterleavingsDefinition> =>
  ((await import(path.join(racy, `${name}.ts`))) as { default: InterleavingsDefinition }).default;

/** Explore until a property breaks; the shrunk run's timeline, after checking that its seed and path replay it exactly. */
async function found(name: string, seed: number): Promise<{ properties: string[]; timeline: string[] }> {
  const interleavings = await definition(name);
  const result = await exploreWorkflow({ interleavings, workflowsPath, runs: 300, seed });
  if (!result.failed) return expect.fail(`${name}: no ordering broke a property in ${result.runs} runs`);
  const timeline = formatRun(result.run);
  const replayed = await exploreWorkflow({ interleavings, workflowsPath, runs: 1, seed: result.seed, path: result.path });
  if (!replayed.failed) return expect.fail(`${name}: seed ${result.seed} and path ${result.path} did not replay the failure`);
  expect(formatRun(replayed.run)).toEqual(timeline);
  expect(replayed.violations).toEqual(result.violations);
  return { properties: result.violations.map((v) => v.property), timeline };
}

describe('eight races, each found and shrunk to the ordering that breaks it, which its seed and path replay exactly', () => {
  it('1. an expense budget spent twice: the second approval checks the budget while the first reservation runs', async () => {
    const { properties, timeline } = await found('expense-budget', 1);
    expect(properties).toEqual(['within-budget']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('2. a lost update across an await: two additions counted at once, the second written over the first', async () => {
    const { properties, timeline } = await found('stock-count', 1);
    expect(properties).toEqual(['every-count-kept']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('3. a late accept after a condition timeout: accepted while the expired offer releases its seat, the deposit is charged', async () => {
    const { properties, timeline } = await found('seat-offer', 1);
    expect(properties).toEqual(['no-deposit-for-an-expired-offer']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('4. a cancel during an unshielded compensation: the undo of the flight is abandoned', async () => {
    const { properties, timeline } = await found('trip-booking', 1);
    expect(properties).toEqual(['an-undo-once-begun-finishes']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('5. a workflow ending while a handler still runs: checkout completes while an item is being added', async () => {
    const { properties, timeline } = await found('shopping-cart', 1);
    expect(properties).toEqual(['no-update-left-running']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('6. continue-as-new dropping queued work: a job enqueued while the second job runs is carried by no run', async () => {
    const { properties, timeline } = await found('job-queue', 1);
    expect(properties).toEqual(['every-job-processed']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it("7. a double refund: the deadline passes while the merchant's refund is in flight", async () => {
    const { properties, timeline } = await found('payment-dispute', 1);
    expect(properties).toEqual(['refunded-once']);
    expect(timeline).toMatchInlineSnapshot();
  });

  it('8. a Promise.race whose losing timer still acts: the nudge fires for a cancelled checkout', async () => {
    const { properties, timeline } = await found('card-checkout', 1);
    expect(properties).toEqual(['no-nudge-after-cancel']);
    expect(timeline).toMatchInlineSnapshot();
  });
});

describe('three correct controls: no false alarm under as many orderings', () => {
  it.each(['expense-budget-counted', 'job-queue-carried', 'card-checkout-scoped'])('%s keeps every property', async (name) => {
    const result = await exploreWorkflow({ interleavings: await definition(name), workflowsPath, runs: 150, seed: 20261207 });
    expect(result.failed ? formatRun(result.run) : []).toEqual([]);
    expect(result.runs).toBe(150);
  });
});
