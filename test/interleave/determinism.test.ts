/**
 * One seed explores the same runs every time, byte for byte: on a server whose clock moves only when the explorer
 * moves it, every timeline and every history event lands at the virtual time it was scheduled for, whatever the
 * machine's speed. Each exploration opens a server of its own, so nothing carries over from the first to the second.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreWorkflow, formatRun, type InterleavingRun, type InterleavingsDefinition } from 'tempest/interleave';
import { protoMs } from '../../src/base/history/time';
import order from '../../interleavings/order';
import { REPO_ROOT } from '../support/repo';

const racy = path.join(REPO_ROOT, 'test', 'fixtures', 'interleavings', 'racy');

/** A run as text: its timeline and ending, then every history event of every run of its chain at its offset. */
function exactly(run: InterleavingRun): string {
  const events = run.runs.flatMap(({ history }) => {
    const start = protoMs(run.runs[0]!.history.events?.[0]?.eventTime);
    return (history.events ?? []).map((event) => `+${protoMs(event.eventTime) - start}ms:${event.eventType}`);
  });
  return [...formatRun(run), events.join(' ')].join('\n');
}

async function explore(interleavings: InterleavingsDefinition, workflowsPath: string, seed: number): Promise<string[]> {
  const runs: string[] = [];
  await exploreWorkflow({ interleavings, workflowsPath, runs: 30, seed, onRun: (run) => runs.push(exactly(run)) });
  return runs;
}

describe('one seed, two explorations on two servers: the same runs, to the millisecond', () => {
  it('order: its 24 h approval timer, the answers and the signals around it', async () => {
    const workflowsPath = path.join(REPO_ROOT, 'workflows', 'index.ts');
    const first = await explore(order, workflowsPath, 20261207);
    expect(first.some((run) => run.includes('+1d'))).toBe(true);
    expect(await explore(order, workflowsPath, 20261207)).toEqual(first);
  });

  it.each(['payment-dispute', 'seat-offer'])('%s: a deadline timer racing an activity in flight', async (name) => {
    const interleavings = ((await import(path.join(racy, `${name}.ts`))) as { default: InterleavingsDefinition }).default;
    const workflowsPath = path.join(racy, 'workflows.ts');
    const first = await explore(interleavings, workflowsPath, 7);
    expect(await explore(interleavings, workflowsPath, 7)).toEqual(first);
  });
});

/** The timers that fired in a run's history: where each is among the events, and when. */
function timersFired(run: InterleavingRun): { index: number; atMs: number }[] {
  const events = run.runs.at(-1)!.history.events ?? [];
  return events.flatMap((event, index) => (event.timerFiredEventAttributes ? [{ index, atMs: protoMs(event.eventTime) }] : []));
}

/** Both timers fired at one instant with no workflow task started between them: they reached the workflow in one task. */
function firedInOneTask(run: InterleavingRun): boolean {
  const [a, b] = timersFired(run);
  return !run.runs
    .at(-1)!
    .history.events!.slice(a!.index, b!.index)
    .some((event) => event.workflowTaskStartedEventAttributes);
}

describe('timers due at one instant', () => {
  it('card-checkout-scoped: two 10-minute timers started at +0 reach the workflow in one task, every time', async () => {
    const interleavings = ((await import(path.join(racy, 'card-checkout-scoped.ts'))) as { default: InterleavingsDefinition }).default;
    const workflowsPath = path.join(racy, 'workflows.ts');
    const runs: InterleavingRun[] = [];
    const first: string[] = [];
    await exploreWorkflow({ interleavings, workflowsPath, runs: 30, seed: 11, onRun: (run) => (runs.push(run), first.push(exactly(run))) });
    const tied = runs.filter((run) => {
      const fired = timersFired(run);
      return fired.length === 2 && fired[0]!.atMs === fired[1]!.atMs;
    });
    expect(tied.length).toBeGreaterThan(0);
    expect(tied.every(firedInOneTask)).toBe(true);
    expect(await explore(interleavings, workflowsPath, 11)).toEqual(first);
  });
});
