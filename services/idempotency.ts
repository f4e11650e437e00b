import type { Database, Transaction } from './db';
import { ServiceError } from './errors';

/**
 * Idempotency-keyed operations, shared by both services: one `operations` row per applied operation, written in
 * the same transaction as the state change it records. Failed calls roll back, so they record nothing.
 */

export const operationsSchema = `
create table if not exists operations (
  seq bigint primary key,
  idempotency_key text not null unique,
  kind text not null,
  fingerprint text not null,
  result json not null,
  applied_at timestamptz not null default now()
);`;

export interface KeyedCall<Request> {
  kind: string;
  idempotencyKey: string;
  /** The validated request; two calls with the same key must have equal requests. */
  request: Request;
}

export interface StoredOperation<Result> {
  seq: number;
  kind: string;
  result: Result;
  appliedAt: string;
}

/**
 * Runs `apply` in one transaction unless the key was seen: then it answers the stored result with `replayed: true`
 * (or IdempotencyKeyReused when the earlier call was a different request). `apply` gets the operation's `seq`
 * (dense, from 1) for building ids.
 */
export function runKeyedOperation<Result extends { replayed: boolean }, Request>(
  db: Database,
  call: KeyedCall<Request>,
  apply: (tx: Transaction, seq: number) => Promise<Omit<Result, 'replayed'>>,
): Promise<Result> {
  const fingerprint = canonicalJson({ kind: call.kind, request: call.request });
  return db.transaction(async (tx) => {
    const previous = await tx.query<{ fingerprint: string; result: Result }>(
      'select fingerprint, result from operations where idempotency_key = $1',
      [call.idempotencyKey],
    );
    const earlier = previous.rows[0];
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        throw new ServiceError(
          'IdempotencyKeyReused',
          `idempotencyKey '${call.idempotencyKey}' was already used for a different request`,
          'idempotencyKey',
        );
      }
      return { ...earlier.result, replayed: true };
    }
    // Every transaction is serialized by PGlite, so max + 1 is race-free and, unlike a sequence, has no gaps.
    const next = await tx.query<{ seq: number }>('select coalesce(max(seq), 0)::bigint + 1 as seq from operations');
    const seq = (next.rows[0] as { seq: number }).seq;
    const result = await apply(tx, seq);
    await tx.query('insert into operations (seq, idempotency_key, kind, fingerprint, result) values ($1, $2, $3, $4, $5::json)', [
      seq,
      call.idempotencyKey,
      call.kind,
      fingerprint,
      JSON.stringify(result),
    ]);
    return { ...result, replayed: false } as Result;
  });
}

/** Every applied operation, in order. */
export async function listOperations<Result>(tx: Transaction): Promise<StoredOperation<Result>[]> {
  const rows = await tx.query<{ seq: number; kind: string; result: Result; applied_at: Date }>(
    'select seq, kind, result, applied_at from operations order by seq',
  );
  return rows.rows.map((row) => ({
    seq: row.seq,
    kind: row.kind,
    result: row.result,
    appliedAt: row.applied_at.toISOString(),
  }));
}

/** An id such as `W-000042` from a prefix and an operation's seq. */
export function sequentialId(prefix: string, seq: number): string {
  return `${prefix}-${String(seq).padStart(6, '0')}`;
}

/** JSON with object keys sorted, so equal requests give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    typeof field === 'object' && field !== null && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}
