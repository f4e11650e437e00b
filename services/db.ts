import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';

export type { Transaction };

/** A service's PGlite database. Every mutating request runs in one `transaction`, so it is all or nothing. */
export interface Database {
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** PGlite's version (its package exports no package.json: read it beside its entry, in dist/). */
const PGLITE_VERSION = (
  JSON.parse(
    readFileSync(path.join(createRequire(import.meta.url).resolve('@electric-sql/pglite'), '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  }
).version;

/**
 * Opens (creating if needed) the database in `dataDir` and applies `schema` (idempotent DDL such as
 * `create table if not exists ...`).
 *
 * A new database starts as a copy of a template: an empty database with the schema applied, made once per PGlite
 * version and schema and kept in the user's cache. Creating one from nothing runs initdb, which costs about 4 s of
 * CPU on every start; a copy opens in under one.
 *
 * Durability: a directory is mounted through Emscripten's NODEFS, which writes with `fs.writeSync`, and PGlite
 * keeps `synchronous_commit = on`, so a transaction's WAL is in the files before `transaction()` resolves and
 * survives a `kill -9` of the process. PGlite runs with `fsync = off` (NODEFS has no fsync anyway), so an OS
 * crash or power loss may still lose the last commits. `relaxedDurability` stays off.
 */
export async function openDatabase(dataDir: string, schema: string): Promise<Database> {
  if (isEmpty(dataDir)) {
    // a cache that cannot be written costs only the initdb: PGlite runs it in the empty folder as it always did
    const from = await template(schema).catch(() => undefined);
    if (from) cpSync(from, dataDir, { recursive: true });
  }
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

function isEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * The template for `schema`: built in a folder of its own, closed cleanly, then renamed into place, so a template
 * is whole or absent (a process killed while building one leaves only a folder nobody reads; two processes
 * building one at once each rename, and the first wins).
 */
async function template(schema: string): Promise<string> {
  const cache = process.env.TEMPEST_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tempest');
  const key = createHash('sha256').update(`${PGLITE_VERSION}\n${schema}`).digest('hex').slice(0, 16);
  const dir = path.join(cache, 'pglite-templates', `${PGLITE_VERSION}-${key}`);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const building = mkdtempSync(path.join(parent, '.building-'));
  try {
    const pg = await PGlite.create({ dataDir: building });
    await pg.exec(schema);
    await pg.close();
    try {
      renameSync(building, dir);
    } catch (error) {
      if (!existsSync(path.join(dir, 'PG_VERSION'))) throw error; // another process's template is in place: use it
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}
