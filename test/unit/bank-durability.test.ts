import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from '../support/services';
import { BankClient } from '../../services/bank/client';
import { BankLedger, bankSchema } from '../../services/bank/ledger';
import { openDatabase } from '../../services/db';
import { SERVICE_START_TIMEOUT_MS, freshDataDir, runServiceToExit } from './support/services';

const dataDirs: string[] = [];
const services: RunningService[] = [];

function dataDir(): string {
  const dir = freshDataDir('bank-durable');
  dataDirs.push(dir);
  return dir;
}

async function startBankProcess(dir: string, port?: number): Promise<RunningService> {
  const started = await startService('bank', { dataDir: dir, port });
  services.push(started);
  return started;
}

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bank durability', () => {
  it(
    'operations committed before the database is closed are there when the directory is reopened',
    async () => {
      const dir = dataDir();
      const withdraw = { accountId: 'alice', amount: 300, idempotencyKey: 'withdraw-1', referenceId: 'ref-1' };

      const first = await openDatabase(dir, bankSchema);
      const ledger = new BankLedger(first);
      await ledger.openAccount({ accountId: 'alice', balance: 1000 });
      const applied = await ledger.withdraw(withdraw);
      await first.close();

      const reopened = await openDatabase(dir, bankSchema);
      try {
        const again = new BankLedger(reopened);
        expect(await again.getAccount('alice')).toEqual({ accountId: 'alice', balance: 700 });
        expect(await again.withdraw(withdraw)).toEqual({ ...applied, replayed: true });
        expect((await again.audit()).operations).toHaveLength(1);
      } finally {
        await reopened.close();
      }
    },
    SERVICE_START_TIMEOUT_MS,
  );

  it(
    'a withdraw answered before a kill -9 is still applied after a restart on the same data dir and port',
    async () => {
      const dir = dataDir();
      const withdraw = { accountId: 'bob', amount: 250, idempotencyKey: 'withdraw-1', referenceId: 'ref-1' };

      const first = await startBankProcess(dir);
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const before = new BankClient({ baseUrl: first.url });
      await before.openAccount({ accountId: 'bob', balance: 1000 });
      const applied = await before.withdraw(withdraw);
      first.process.signal('SIGKILL');
      expect(await first.process.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const second = await startBankProcess(dir, first.port);
      expect(second.url).toBe(first.url);
      const after = new BankClient({ baseUrl: second.url });
      expect(await after.getAccount('bob')).toEqual({ accountId: 'bob', balance: 750 });
      expect(await after.withdraw(withdraw)).toEqual({ ...applied, replayed: true });
      expect((await after.audit()).operations.map(({ kind, idempotencyKey }) => ({ kind, idempotencyKey }))).toEqual([
        { kind: 'withdraw', idempotencyKey: 'withdraw-1' },
      ]);

      expect(await second.process.stop()).toEqual({ code: 0, signal: null });
    },
    SERVICE_START_TIMEOUT_MS,
  );
});

describe('bank process flags', () => {
  it.each([
    { problem: 'an unknown flag', args: ['--data-dir', '/tmp/x', '--prot', '1'], message: 'bank: unknown flag --prot' },
    {
      problem: 'a port that is not a number',
      args: ['--data-dir', '/tmp/x', '--port', 'eighty'],
      message: "bank: --port must be an integer from 0 to 65535 (0 picks a free port), got 'eighty'",
    },
    { problem: 'a missing --data-dir', args: ['--port', '0'], message: 'bank: --data-dir is required' },
    { problem: 'a flag without its value', args: ['--data-dir'], message: 'bank: --data-dir needs a value' },
  ])('$problem exits 2 with one line on stderr naming the flag', async ({ args, message }) => {
    const { code, stdout, stderr } = await runServiceToExit('bank', args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(message)]);
  });
});
