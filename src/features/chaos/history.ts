/**
 * The operation history of a chaos run, in the Jepsen style: every client invocation and its completion
 * (ok: it happened; fail: it did not; info: unknown, e.g. the client lost its connection) and every fault the
 * nemesis applied or healed, with timestamps, appended as JSON lines as they happen.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type EntryType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEntry {
  index: number;
  /** Milliseconds since the workload started. */
  timeMs: number;
  /** 'client-<n>' for the workload's drivers, 'nemesis' for faults, 'harness' for the run's own steps. */
  process: string;
  type: EntryType;
  /** What was done: transfer, saga, order, approve, reject, cancel, fault, heal, settle... */
  f: string;
  /** The planned operation or fault id. */
  op?: string;
  value?: unknown;
}

export class OperationHistory {
  private readonly list: HistoryEntry[] = [];
  private readonly started = performance.now();
  private readonly watchers = new Set<(entry: HistoryEntry) => void>();

  /** @param file JSON-lines file to append to as entries arrive (so a crashed run still leaves its history). */
  constructor(private readonly file?: string) {
    if (file) mkdirSync(path.dirname(file), { recursive: true });
  }

  now(): number {
    return Math.round(performance.now() - this.started);
  }

  record(entry: Omit<HistoryEntry, 'index' | 'timeMs'>): HistoryEntry {
    const full: HistoryEntry = { index: this.list.length, timeMs: this.now(), ...entry };
    this.list.push(full);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    for (const watcher of this.watchers) watcher(full);
    return full;
  }

  /** Be told of each entry as it is recorded; returns the function that stops it. */
  watch(listener: (entry: HistoryEntry) => void): () => void {
    this.watchers.add(listener);
    return () => void this.watchers.delete(listener);
  }

  entries(): readonly HistoryEntry[] {
    return this.list;
  }
}

/**
 * One operation of a Jepsen history (jepsen.history's operation map), as elle-cli reads it from JSON: `type`
 * and `f` become keywords, client processes are integers, the nemesis is "nemesis", `time` is in nanoseconds.
 */
export interface JepsenOp {
  index: number;
  type: EntryType;
  f: string;
  /** A logical, single-threaded client (an integer, never reused after it crashed with info), or "nemesis". */
  process: number | 'nemesis';
  /** Nanoseconds since the workload started. */
  time: number;
  /** Invoke: the arguments. ok: the result. fail and info: the invocation's value again, as Jepsen's clients do. */
  value?: unknown;
  /** Why a fail or info ended so (the workflow's failure, the client's error, a fault that could not be applied). */
  error?: unknown;
  /** The planned operation or fault id (tempest's own field; Jepsen keeps extra fields as they are). */
  op?: string;
}

/**
 * The operation history in Jepsen's shape (pure), for Jepsen-family checkers such as elle-cli. Jepsen's rules, and
 * how tempest's history is mapped onto them:
 * - A process is single-threaded: one invoke, then its completion. Each workload driver `client-<n>` is two logical
 *   threads: `n - 1` runs its operations and `C + n - 1` (C drivers) the steps it takes within them (signals,
 *   updates, queries), which overlap their operation. A step still open when its operation ends completes as info.
 * - A process that completes with info has crashed and never invokes again: its thread goes on as process
 *   `thread + k * 2C` after its k-th crash.
 * - The nemesis's faults and heals are info operations of process "nemesis" (Jepsen's convention for its nemesis);
 *   the harness's own steps (heal-all, settle) are left out.
 */
export function toJepsenHistory(entries: readonly HistoryEntry[]): JepsenOp[] {
  const clients = Math.max(0, ...entries.map((e) => /^client-(\d+)$/.exec(e.process)).map((m) => (m ? Number(m[1]) : 0)));
  const lanes = 2 * clients;
  const crashes = new Map<number, number>();
  const processOf = (thread: number): number => thread + (crashes.get(thread) ?? 0) * lanes;
  /** The open invocation of each thread: its f and value. */
  const open = new Map<number, { f: string; value: unknown; op?: string }>();
  /** The f of each client operation (its first invoke), by op id. */
  const operationF = new Map<string, string>();
  const out: Omit<JepsenOp, 'index'>[] = [];
  const complete = (thread: number, type: EntryType, time: number, fields: Pick<JepsenOp, 'value' | 'error'>): void => {
    const invoked = open.get(thread);
    if (!invoked) return;
    out.push({ type, f: invoked.f, process: processOf(thread), time, ...fields, ...(invoked.op ? { op: invoked.op } : {}) });
    open.delete(thread);
    if (type === 'info') crashes.set(thread, (crashes.get(thread) ?? 0) + 1);
  };
  for (const entry of entries) {
    const time = entry.timeMs * 1_000_000;
    if (entry.process === 'nemesis') {
      out.push({
        type: 'info',
        f: entry.f,
        process: 'nemesis',
        time,
        ...(entry.type === 'invoke' ? { value: entry.value } : {}),
        ...(entry.type === 'fail' ? { error: entry.value } : {}),
        ...(entry.op ? { op: entry.op } : {}),
      });
      continue;
    }
    const client = /^client-(\d+)$/.exec(entry.process);
    if (!client || !entry.op) continue;
    const n = Number(client[1]);
    if (entry.type === 'invoke' && !operationF.has(entry.op)) operationF.set(entry.op, entry.f);
    const isStep = operationF.get(entry.op) !== entry.f;
    const thread = isStep ? clients + n - 1 : n - 1;
    if (entry.type === 'invoke') {
      complete(thread, 'info', time, { error: 'the client moved on without a completion' });
      open.set(thread, { f: entry.f, value: entry.value, op: entry.op });
      out.push({
        type: 'invoke',
        f: entry.f,
        process: processOf(thread),
        time,
        ...(entry.value === undefined ? {} : { value: entry.value }),
        op: entry.op,
      });
      continue;
    }
    if (!isStep) complete(clients + n - 1, 'info', time, { error: `its operation ended (${entry.type}) before the step was answered` });
    const invoked = open.get(thread);
    if (entry.type === 'ok') complete(thread, 'ok', time, entry.value === undefined ? {} : { value: entry.value });
    else
      complete(thread, entry.type, time, {
        ...(invoked?.value === undefined ? {} : { value: invoked.value }),
        ...(entry.value === undefined ? {} : { error: entry.value }),
      });
  }
  return out.map((op, index) => ({ index, ...op }));
}
