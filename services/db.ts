import { PGlite, type Transaction } from '@electric-sql/pglite';

export type { Transaction };

/** A service's PGlite database. Every mutating request runs in one `transaction`, so it is all or nothing. */
export interface Database {
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the database in `dataDir`, or in memory when `dataDir` is undefined, and applies
 * `schema` (idempotent DDL such as `create table if not exists ...`).
 *
 * Durability: a directory is mounted through Emscripten's NODEFS, which writes with `fs.writeSync`, and PGlite
 * keeps `synchronous_commit = on`, so a transaction's WAL is in the files before `transaction()` resolves and
 * survives a `kill -9` of the process. PGlite runs with `fsync = off` (NODEFS has no fsync anyway), so an OS
 * crash or power loss may still lose the last commits. `relaxedDurability` stays off.
 */
export async function openDatabase(dataDir: string | undefined, schema: string): Promise<Database> {
  const pg = await PGlite.create({ dataDir, relaxedDurability: false });
  try {
    await pg.exec(schema);
  } catch (error) {
    await pg.close();
    throw error;
  }
  return {
    transaction: (work) => pg.transaction(work),
    close: () => pg.close(),
  };
}
