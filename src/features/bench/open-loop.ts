/**
 * Open-loop load, as load-testing tools apply it: workflows started at a target rate (evenly spaced) for a duration,
 * whether or not the earlier ones have closed, so a system that falls behind shows it as latency that grows, not as
 * a driver that politely slows down (what a closed loop does). Bounded: the number of starts is the rate times the
 * duration, at most `maxInFlight` are open at once (a start that would exceed it is skipped and counted), and the
 * workflows still open `drainMs` after the last start are given up on and counted.
 */
import { performance } from 'node:perf_hooks';
import type { OpenLoopLevel } from './report.ts';
import { quantile } from './stats.ts';

export interface OpenLoopOptions {
  /** Starts per second. */
  rate: number;
  durationMs: number;
  maxInFlight: number;
  /** After the last start, wait at most this long for the open workflows. */
  drainMs: number;
  signal?: AbortSignal;
}

/** One workflow of an open-loop level. */
export interface OpenLoopStart {
  /** When it was due, from the level's start (ms). */
  dueMs: number;
  /** How late its start was against that (ms): the driver itself falling behind. */
  lagMs: number;
  /** Start to close (ms); undefined when it had not closed by the end of the drain, or failed. */
  latencyMs?: number;
  failed?: string;
}

export interface OpenLoopResult {
  rate: number;
  durationMs: number;
  starts: OpenLoopStart[];
  /** Starts not made because `maxInFlight` workflows were open. */
  skipped: number;
}

/** Start `execute(i)` at the rate for the duration; resolves once every start closed or the drain bound passed. */
export async function runOpenLoop(options: OpenLoopOptions, execute: (index: number) => Promise<unknown>): Promise<OpenLoopResult> {
  const { rate, durationMs, maxInFlight, drainMs, signal } = options;
  if (!(rate > 0)) throw new RangeError(`rate must be above 0, got ${rate}`);
  const count = Math.max(1, Math.round((rate * durationMs) / 1000));
  const starts: OpenLoopStart[] = [];
  const open = new Set<Promise<void>>();
  let skipped = 0;
  const begun = performance.now();
  for (let i = 0; i < count && !signal?.aborted; i++) {
    const dueMs = (i * 1000) / rate;
    const wait = begun + dueMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (open.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const start: OpenLoopStart = { dueMs, lagMs: Math.max(0, performance.now() - begun - dueMs) };
    starts.push(start);
    const t0 = performance.now();
    const running = execute(i).then(
      () => void (start.latencyMs = performance.now() - t0),
      (error: unknown) => void (start.failed = error instanceof Error ? error.message.split('\n')[0] : String(error)),
    );
    open.add(running);
    void running.finally(() => open.delete(running));
  }
  const drained = Promise.all(open);
  await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
  signal?.throwIfAborted();
  return { rate, durationMs, starts, skipped };
}

/** A level kept up when latency at its end was at most this many times latency at its start. */
export const MAX_GROWTH = 1.5;
/** The knee: the first level whose p95 is more than this many times the plateau's (the lowest levels'). */
export const KNEE_FACTOR = 1.5;

/**
 * What a level shows: the rates achieved, p50 and p95 of the closed workflows, how p95 grew from the level's first
 * third to its last (by when each was due), and whether the system kept up: every start made and closed, closes at
 * the target rate (95%), and latency that did not grow beyond MAX_GROWTH while the rate held. Pure.
 */
export function summarizeLevel(result: OpenLoopResult): OpenLoopLevel {
  const closed = result.starts.filter((s) => s.latencyMs !== undefined);
  const latencies = closed.map((s) => s.latencyMs!);
  const seconds = result.durationMs / 1000;
  const third = result.durationMs / 3;
  const p95Of = (list: readonly OpenLoopStart[]): number | undefined =>
    list.length === 0
      ? undefined
      : quantile(
          list.map((s) => s.latencyMs!),
          0.95,
        );
  const first = p95Of(closed.filter((s) => s.dueMs < third));
  const last = p95Of(closed.filter((s) => s.dueMs >= 2 * third));
  const growth = first && last ? last / first : 1;
  const failed = result.starts.filter((s) => s.failed !== undefined).length;
  const unfinished = result.starts.length - closed.length - failed;
  const completionRate = closed.length / seconds;
  const reasons = [
    result.skipped > 0 && `${result.skipped} starts skipped (too many open)`,
    failed > 0 && `${failed} failed`,
    unfinished > 0 && `${unfinished} still open after the drain`,
    completionRate < 0.95 * result.rate && `closed ${completionRate.toFixed(1)}/s of ${result.rate}/s`,
    growth > MAX_GROWTH && `p95 grew ${growth.toFixed(2)}x while the rate held`,
  ].filter((reason): reason is string => typeof reason === 'string');
  return {
    rate: result.rate,
    durationMs: result.durationMs,
    started: result.starts.length,
    completed: closed.length,
    startRate: round(result.starts.length / seconds),
    completionRate: round(completionRate),
    p50: round(latencies.length > 0 ? quantile(latencies, 0.5) : 0),
    p95: round(latencies.length > 0 ? quantile(latencies, 0.95) : 0),
    growth: round(growth),
    maxStartLagMs: round(Math.max(0, ...result.starts.map((s) => s.lagMs))),
    keptUp: reasons.length === 0,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}

/**
 * The highest rate kept up with, and the knee: the first rate (ascending) whose p95 left the plateau (more than
 * KNEE_FACTOR times the median p95 of the two lowest levels that kept up) or that was not kept up with. Pure.
 */
export function kneeOf(levels: readonly OpenLoopLevel[]): { keptUpTo?: number; knee?: number } {
  const ascending = [...levels].sort((a, b) => a.rate - b.rate);
  const kept = ascending.filter((level) => level.keptUp);
  const keptUpTo = kept.length > 0 ? kept[kept.length - 1]!.rate : undefined;
  const plateauLevels = kept.slice(0, 2);
  if (plateauLevels.length === 0) return { ...(ascending[0] ? { knee: ascending[0].rate } : {}) };
  const plateau = quantile(
    plateauLevels.map((level) => level.p95),
    0.5,
  );
  const knee = ascending.find((level) => !level.keptUp || level.p95 > KNEE_FACTOR * plateau);
  return { ...(keptUpTo === undefined ? {} : { keptUpTo }), ...(knee ? { knee: knee.rate } : {}) };
}

/** Consecutive windows of `size` closed workflows (by when they were due), for per-window percentiles. */
export function windows(result: OpenLoopResult, size: number): number[][] {
  const closed = result.starts.filter((s) => s.latencyMs !== undefined).sort((a, b) => a.dueMs - b.dueMs);
  const out: number[][] = [];
  for (let i = 0; i + size <= closed.length; i += size) out.push(closed.slice(i, i + size).map((s) => s.latencyMs!));
  return out;
}

const round = (value: number): number => Math.round(value * 100) / 100;
