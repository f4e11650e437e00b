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
    return full;
  }

  entries(): readonly HistoryEntry[] {
    return this.list;
  }
}
