import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCorpusHistories } from '../../src/features/replay/corpus';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { PACKAGED_WORKFLOWS } from '../support/repo';
import { readManifest } from '../../src/features/replay/corpus';
import type { LoadedHistory } from '../../src/base/history/history-file';
import { BRANCHES, EARLIER_BRANCHES } from '../../scripts/corpus-branches';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';

const CORPUS = path.join(PROJECT_ROOT, 'replay-histories');
const changed = (name: string): string => path.join(PROJECT_ROOT, 'test', 'fixtures', 'workflow-changes', `${name}.ts`);

let corpus: LoadedHistory[];

beforeAll(async () => {
  installQuietRuntime();
  corpus = await loadCorpusHistories([CORPUS]);
});

async function replay(workflowsPath: string, options: { strict?: boolean; only?: string[] } = {}): Promise<ReplayOutcome[]> {
  const replayer = await Replayer.create({ workflowsPath, strict: options.strict });
  try {
    const histories = options.only ? corpus.filter((h) => options.only!.includes(h.workflowId)) : corpus;
    const outcomes: ReplayOutcome[] = [];
    for await (const outcome of replayer.replay(histories)) outcomes.push(outcome);
    return outcomes;
  } finally {
    replayer.close();
  }
}

function one(outcomes: ReplayOutcome[], workflowId: string): ReplayOutcome {
  const found = outcomes.find((o) => o.workflowId === workflowId);
  expect(found, workflowId).toBeDefined();
  return found!;
}

describe('the committed corpus', () => {
  it('holds one history for every branch of the packaged workflows, and those of branches earlier versions had', () => {
    expect(corpus.map((h) => h.workflowId).sort()).toEqual([...BRANCHES.map((b) => b.workflowId), ...EARLIER_BRANCHES].sort());
    expect(new Set(corpus.map((h) => h.workflowType))).toEqual(new Set(['moneyTransfer', 'orderSaga', 'order']));
  });

  it('carries no machine path: its failure stack traces were recorded with --stack-traces redact', () => {
    const strings = (node: unknown): string[] =>
      typeof node === 'string' ? [node] : node && typeof node === 'object' ? Object.values(node).flatMap(strings) : [];
    for (const history of corpus) {
      const text = readFileSync(history.file, 'utf8');
      const machinePaths = strings(JSON.parse(text)).filter((value) => /(^|[\s('"])(file:\/\/)?(\/|[A-Za-z]:\\)[^\s]*[\\/]/.test(value));
      expect(machinePaths, history.file).toEqual([]);
    }
    expect(new Set(readManifest(CORPUS).histories.map((entry) => entry.stackTraces))).toEqual(new Set(['redacted']));
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
    [
      'activity-renamed',
      'transfer-corpus-completed',
      5,
      { kind: 'activity', name: 'withdraw' },
      { kind: 'activity', name: 'withdrawFunds' },
    ],
    ['timer-added', 'transfer-corpus-completed', 5, { kind: 'activity', name: 'withdraw' }, { kind: 'timer', name: '1min' }],
    [
      'step-removed',
      'order-saga-corpus-completed',
      11,
      { kind: 'activity', name: 'chargePayment' },
      { kind: 'activity', name: 'createShipment' },
    ],
    [
      'branch-changed',
      'order-saga-corpus-invalid-address',
      23,
      { kind: 'activity', name: 'cancelShipment' },
      { kind: 'activity', name: 'releaseInventory' },
    ],
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

describe('every divergence names the event and what each side did', () => {
  it.each([
    [
      'activity-after-completion',
      'transfer-corpus-completed',
      17,
      { kind: 'complete', name: 'completed' },
      { kind: 'activity', name: 'sendReceipt' },
    ],
    ['fails-instead', 'transfer-corpus-completed', 11, { kind: 'activity', name: 'deposit' }, { kind: 'fail', name: 'DepositsPaused' }],
    [
      'local-activity-instead',
      'transfer-corpus-completed',
      5,
      { kind: 'activity', name: 'withdraw' },
      { kind: 'local-activity', name: 'withdraw' },
    ],
    [
      'cancel-notifies-first',
      'order-corpus-order-cancelled',
      19,
      { kind: 'cancel-timer', name: '1d' },
      { kind: 'activity', name: 'notifyCustomer' },
    ],
  ])('%s: %s, event %i', async (change, workflowId, eventId, recorded, code) => {
    const outcome = one(await replay(changed(change), { only: [workflowId] }), workflowId);

    expect(outcome.status).toBe('nondeterministic');
    expect(outcome.divergence).toEqual({ eventId, recorded, code });
    // The SDK's own words, one line, with no Rust dump of the event.
    expect(outcome.message).toMatch(/^\[TMPRL1100\] Nondeterminism error: .*event \d+ \([A-Za-z]+\)$/);
    expect(outcome.message).not.toContain('HistoryEvent');
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

  it('removed options are compared with what the server records for an unset one, never shown as 0', async () => {
    const drifts = async (change: string) =>
      one(await replay(changed(change), { strict: true, only: ['transfer-corpus-completed'] }), 'transfer-corpus-completed').drifts.map(
        (d) => [d.eventId, d.what, d.recorded, d.code],
      );

    expect(await drifts('retry-attempts-removed')).toEqual([
      [5, 'retry maximumAttempts of activity withdraw', '6', 'unset (the server records unlimited)'],
      [11, 'retry maximumAttempts of activity deposit', '6', 'unset (the server records unlimited)'],
    ]);
    expect(await drifts('non-retryable-removed')).toEqual([
      [
        5,
        'retry nonRetryableErrorTypes of activity withdraw',
        '[InsufficientFundsError, InvalidAccountError]',
        'unset (the server records [])',
      ],
      [
        11,
        'retry nonRetryableErrorTypes of activity deposit',
        '[InsufficientFundsError, InvalidAccountError]',
        'unset (the server records [])',
      ],
    ]);
    expect(await drifts('timeout-replaced')).toEqual(
      ['withdraw', 'deposit'].flatMap((activity, i) => [
        [5 + 6 * i, `scheduleToCloseTimeout of activity ${activity}`, 'none', '1min'],
        [5 + 6 * i, `scheduleToStartTimeout of activity ${activity}`, 'none', 'unset (the server records 1min)'],
        [5 + 6 * i, `startToCloseTimeout of activity ${activity}`, '5s', 'unset (the server records 1min)'],
      ]),
    );
  });

  it('a changed failure type of the workflow itself is drift', async () => {
    const outcome = one(
      await replay(changed('failure-type-changed'), { strict: true, only: ['transfer-corpus-insufficient-funds'] }),
      'transfer-corpus-insufficient-funds',
    );
    expect(outcome.status).toBe('drifted');
    expect(outcome.drifts).toEqual([
      { eventId: 11, what: 'failure type of the workflow', recorded: 'WithdrawalFailed', code: 'TransferFailed' },
    ]);
  });

  it('a timer whose duration comes from the input is not drift', async () => {
    const strict = await replay(changed('timer-duration-changed'), { strict: true, only: ['order-corpus-order-auto-rejected'] });
    expect(strict[0]!.status).toBe('passed');
  });
});
