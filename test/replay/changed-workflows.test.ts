import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHistories } from '../../src/cli/commands/replay';
import { installQuietRuntime } from '../../src/harness/worker';
import type { LoadedHistory } from '../../src/replay/history-file';
import { BRANCHES } from '../../scripts/corpus-branches';
import { type ReplayOutcome, Replayer } from '../../src/replay/replayer';
import { PACKAGED_WORKFLOWS, REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const CORPUS = path.join(PROJECT_ROOT, 'replay-histories');
const changed = (name: string): string => path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', `${name}.ts`);

let corpus: LoadedHistory[];

beforeAll(async () => {
  installQuietRuntime();
  corpus = await loadHistories([CORPUS]);
});

async function replay(workflowsPath: string, options: { strict?: boolean; only?: string[] } = {}): Promise<ReplayOutcome[]> {
  const replayer = await Replayer.create({ workflowsPath, strict: options.strict });
  const histories = options.only ? corpus.filter((h) => options.only!.includes(h.workflowId)) : corpus;
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayer.replay(histories)) outcomes.push(outcome);
  return outcomes;
}

function one(outcomes: ReplayOutcome[], workflowId: string): ReplayOutcome {
  const found = outcomes.find((o) => o.workflowId === workflowId);
  expect(found, workflowId).toBeDefined();
  return found!;
}

describe('the committed corpus', () => {
  it('holds one history for every branch of the packaged workflows', () => {
    expect(corpus.map((h) => h.workflowId).sort()).toEqual(BRANCHES.map((b) => b.workflowId).sort());
    expect(new Set(corpus.map((h) => h.workflowType))).toEqual(new Set(['moneyTransfer', 'orderSaga', 'order']));
  });

  it('replays clean against the packaged workflows, strict included', async () => {
    const outcomes = await replay(PACKAGED_WORKFLOWS, { strict: true });
    expect(outcomes.filter((o) => o.status !== 'passed')).toEqual([]);
    expect(outcomes).toHaveLength(corpus.length);
  });
});

describe('incompatible changes are reported as non-deterministic at the right event', () => {
  it.each([
    ['activities-reordered', 'transfer-corpus-completed', 5, { kind: 'activity', name: 'withdraw' }, { kind: 'activity', name: 'deposit' }],
    ['activity-renamed', 'transfer-corpus-completed', 5, { kind: 'activity', name: 'withdraw' }, { kind: 'activity', name: 'withdrawFunds' }],
    ['timer-added', 'transfer-corpus-completed', 5, { kind: 'activity', name: 'withdraw' }, { kind: 'timer', name: '1min' }],
    ['step-removed', 'order-saga-corpus-completed', 11, { kind: 'activity', name: 'chargePayment' }, { kind: 'activity', name: 'createShipment' }],
    ['branch-changed', 'order-saga-corpus-invalid-address', 23, { kind: 'activity', name: 'cancelShipment' }, { kind: 'activity', name: 'releaseInventory' }],
  ])('%s: %s diverges at event %i', async (change, workflowId, eventId, recorded, code) => {
    const outcome = one(await replay(changed(change), { only: [workflowId] }), workflowId);

    expect(outcome.status).toBe('nondeterministic');
    expect(outcome.divergence).toEqual({ eventId, recorded, code });
    expect(outcome.message).toContain('Nondeterminism error');
    expect(outcome.hint).toContain("patched('<change-id>')");
  });

  it('reports every history the change breaks and passes the ones it does not touch', async () => {
    const outcomes = await replay(changed('step-removed'));
    const broken = outcomes.filter((o) => o.status === 'nondeterministic').map((o) => o.workflowId);
    // The saga histories that got past the reservation break; the out-of-stock one never reached the charge.
    expect(broken.sort()).toEqual([
      'order-saga-corpus-compensation-failed',
      'order-saga-corpus-completed',
      'order-saga-corpus-invalid-address',
      'order-saga-corpus-payment-declined',
    ]);
    expect(outcomes.filter((o) => o.status === 'passed')).toHaveLength(corpus.length - 4);
  });
});

describe('a change guarded with patched()', () => {
  it('replays every history recorded before the change, strict included', async () => {
    const outcomes = await replay(changed('patched'), { strict: true });
    expect(outcomes.filter((o) => o.status !== 'passed')).toEqual([]);
  });
});

describe('--strict sees drift that plain replay accepts', () => {
  it('a changed activity argument: plain replay passes, strict names the field at each event', async () => {
    const plain = await replay(changed('argument-changed'), { only: ['transfer-corpus-completed'] });
    const strict = await replay(changed('argument-changed'), { strict: true, only: ['transfer-corpus-completed'] });

    expect(plain[0]!.status).toBe('passed');
    expect(strict[0]!.status).toBe('drifted');
    expect(strict[0]!.drifts.map((d) => [d.eventId, d.what, d.differences])).toEqual([
      [5, 'arguments of activity withdraw', ['[0].amount: 1000 -> 100000']],
      [11, 'arguments of activity deposit', ['[0].amount: 1000 -> 100000']],
    ]);
  });

  it('a changed timer duration: plain replay passes, strict reports 1d against 2d', async () => {
    const plain = await replay(changed('timer-duration-changed'), { only: ['order-corpus-order-approved'] });
    const strict = await replay(changed('timer-duration-changed'), { strict: true, only: ['order-corpus-order-approved'] });

    // Where the timer lands depends on whether the parallel activities completed in one workflow task or two.
    const approved = corpus.find((h) => h.workflowId === 'order-corpus-order-approved')!;
    const timerEvent = Number(approved.history.events!.find((e) => e.timerStartedEventAttributes)!.eventId);
    expect(plain[0]!.status).toBe('passed');
    expect(strict[0]!.status).toBe('drifted');
    expect(strict[0]!.drifts).toEqual([{ eventId: timerEvent, what: 'timer duration', recorded: '1d', code: '2d' }]);
  });

  it('a timer whose duration comes from the input is not drift', async () => {
    const strict = await replay(changed('timer-duration-changed'), { strict: true, only: ['order-corpus-order-auto-rejected'] });
    expect(strict[0]!.status).toBe('passed');
  });
});
