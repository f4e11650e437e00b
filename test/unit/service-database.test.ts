/**
 * A service's new database starts as a copy of a template made once per PGlite version and schema: two databases
 * opened at once with no template yet both work, the cache ends with one whole template, and each copy is a
 * database of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { BankLedger, bankSchema } from '../../services/bank/ledger';
import { openDatabase } from '../../services/db';
import { SERVICE_START_TIMEOUT_MS, freshDataDir } from './support/services';

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tempest-db-cache-'));
const dirs = [freshDataDir('db-a'), freshDataDir('db-b'), freshDataDir('db-c')];
const cacheBefore = process.env.TEMPEST_CACHE;

afterAll(() => {
  if (cacheBefore === undefined) delete process.env.TEMPEST_CACHE;
  else process.env.TEMPEST_CACHE = cacheBefore;
  for (const dir of [cache, ...dirs]) fs.rmSync(dir, { recursive: true, force: true });
});

it(
  'two databases opened at once with no template: both serve, one template is kept, and each is its own',
  async () => {
    process.env.TEMPEST_CACHE = cache;
    const [a, b] = await Promise.all(dirs.slice(0, 2).map((dir) => openDatabase(dir, bankSchema)));
    const templates = path.join(cache, 'pglite-templates');
    expect(fs.readdirSync(templates)).toHaveLength(1);
    expect(fs.existsSync(path.join(templates, fs.readdirSync(templates)[0]!, 'PG_VERSION'))).toBe(true);

    await new BankLedger(a!).openAccount({ accountId: 'alice', balance: 1000 });
    await new BankLedger(b!).openAccount({ accountId: 'alice', balance: 5 });
    expect((await new BankLedger(a!).audit()).totalBalance).toBe(1000);
    expect((await new BankLedger(b!).audit()).totalBalance).toBe(5);
    await Promise.all([a!.close(), b!.close()]);

    // a third database copies the template, which holds no account
    const c = await openDatabase(dirs[2]!, bankSchema);
    expect((await new BankLedger(c).audit()).totalBalance).toBe(0);
    await c.close();
  },
  SERVICE_START_TIMEOUT_MS,
);
