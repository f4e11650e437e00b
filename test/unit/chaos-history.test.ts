import { describe, expect, it } from 'vitest';
import { type HistoryEntry, type JepsenOp, toJepsenHistory } from '../../src/features/chaos/history';

let index = 0;
const at = (timeMs: number, process: string, type: HistoryEntry['type'], f: string, op?: string, value?: unknown): HistoryEntry => ({
  index: index++,
  timeMs,
  process,
  type,
  f,
  ...(op ? { op } : {}),
  ...(value === undefined ? {} : { value }),
});

/** Jepsen's rules for a history: every client process alternates invoke and completion, and never invokes after an info. */
function jepsenViolations(ops: readonly JepsenOp[]): string[] {
  const state = new Map<number, 'idle' | 'invoked' | 'crashed'>();
  const problems: string[] = [];
  ops.forEach((op, i) => {
    if (op.index !== i) problems.push(`index ${op.index} at position ${i}`);
    if (i > 0 && op.time < ops[i - 1]!.time) problems.push(`time goes back at ${i}`);
    if (typeof op.process !== 'number') return;
    const now = state.get(op.process) ?? 'idle';
    if (op.type === 'invoke') {
      if (now !== 'idle') problems.push(`process ${op.process} invokes at ${i} while ${now}`);
      state.set(op.process, 'invoked');
    } else {
      if (now !== 'invoked') problems.push(`process ${op.process} completes at ${i} while ${now}`);
      state.set(op.process, op.type === 'info' ? 'crashed' : 'idle');
    }
  });
  return problems;
}

describe('the operation history in Jepsen’s shape (history.elle.json)', () => {
  const history: HistoryEntry[] = [
    at(0, 'client-1', 'invoke', 'transfer', 't0', { amount: 5 }),
    at(0, 'client-2', 'invoke', 'order', 'o0', { orderId: 'o0' }),
    at(10, 'nemesis', 'invoke', 'fault', 'f0', { kind: 'kill', process: 'worker-1' }),
    at(11, 'nemesis', 'ok', 'fault', 'f0'),
    at(20, 'client-2', 'invoke', 'approve', 'o0', ['me']),
    at(25, 'client-2', 'ok', 'approve', 'o0'),
    at(30, 'client-1', 'info', 'transfer', 't0', { error: 'deadline exceeded' }),
    at(31, 'client-1', 'invoke', 'transfer', 't1', { amount: 7 }),
    at(40, 'client-1', 'fail', 'transfer', 't1', {
      failureType: 'WithdrawalFailed',
      failureTypes: ['WithdrawalFailed', 'InsufficientFundsError'],
    }),
    at(41, 'client-2', 'invoke', 'cancel', 'o0'),
    at(50, 'client-2', 'ok', 'order', 'o0', { state: 'completed' }),
    at(60, 'harness', 'ok', 'heal-all'),
  ];

  it('maps each driver to an operation thread and a step thread, crashes a thread on info, and keeps the nemesis as info operations', () => {
    expect(toJepsenHistory(history)).toEqual([
      { index: 0, type: 'invoke', f: 'transfer', process: 0, time: 0, value: { amount: 5 }, op: 't0' },
      { index: 1, type: 'invoke', f: 'order', process: 1, time: 0, value: { orderId: 'o0' }, op: 'o0' },
      { index: 2, type: 'info', f: 'fault', process: 'nemesis', time: 10_000_000, value: { kind: 'kill', process: 'worker-1' }, op: 'f0' },
      { index: 3, type: 'info', f: 'fault', process: 'nemesis', time: 11_000_000, op: 'f0' },
      { index: 4, type: 'invoke', f: 'approve', process: 3, time: 20_000_000, value: ['me'], op: 'o0' },
      { index: 5, type: 'ok', f: 'approve', process: 3, time: 25_000_000, op: 'o0' },
      {
        index: 6,
        type: 'info',
        f: 'transfer',
        process: 0,
        time: 30_000_000,
        value: { amount: 5 },
        error: { error: 'deadline exceeded' },
        op: 't0',
      },
      { index: 7, type: 'invoke', f: 'transfer', process: 4, time: 31_000_000, value: { amount: 7 }, op: 't1' },
      {
        index: 8,
        type: 'fail',
        f: 'transfer',
        process: 4,
        time: 40_000_000,
        value: { amount: 7 },
        error: { failureType: 'WithdrawalFailed', failureTypes: ['WithdrawalFailed', 'InsufficientFundsError'] },
        op: 't1',
      },
      { index: 9, type: 'invoke', f: 'cancel', process: 3, time: 41_000_000, op: 'o0' },
      {
        index: 10,
        type: 'info',
        f: 'cancel',
        process: 3,
        time: 50_000_000,
        error: 'its operation ended (ok) before the step was answered',
        op: 'o0',
      },
      { index: 11, type: 'ok', f: 'order', process: 1, time: 50_000_000, value: { state: 'completed' }, op: 'o0' },
    ]);
  });

  it('obeys Jepsen’s rules: one operation at a time per process, none after a crash, indices dense, time ascending', () => {
    expect(jepsenViolations(toJepsenHistory(history))).toEqual([]);
    // The raw history breaks them: a driver's steps overlap its operation, and it goes on after an info.
    const raw = history
      .filter((e) => e.process.startsWith('client-'))
      .map((e, i) => ({ ...e, index: i, time: e.timeMs, process: Number(e.process.slice(7)) })) as unknown as JepsenOp[];
    expect(jepsenViolations(raw)).not.toEqual([]);
  });
});
