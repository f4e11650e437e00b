import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { BankClient } from '../../../services/bank/client';
import { bankSchema } from '../../../services/bank/ledger';
import { createBankServer } from '../../../services/bank/server';
import { ServiceCallError } from '../../../services/client';
import type { ServiceErrorType } from '../../../services/contract';
import { openDatabase } from '../../../services/db';
import { closeServer, listen } from '../../../services/http';
import { StoreClient } from '../../../services/store/client';
import { storeSchema } from '../../../services/store/schema';
import { createStoreServer } from '../../../services/store/server';

/** Starting the services in-process (or as real processes) for tests, and small assertion helpers. */

const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** PGlite's first start in a fresh directory takes a few seconds; on a loaded 2-core machine more. */
export const SERVICE_START_TIMEOUT_MS = 60_000;

export function freshDataDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tempest-${prefix}-`));
}

export { uniqueId } from '../../support/ids';

export interface InProcessService<Client> {
  client: Client;
  url: string;
  stop(): Promise<void>;
}

export async function startBank(): Promise<InProcessService<BankClient>> {
  const dataDir = freshDataDir('bank');
  const db = await openDatabase(dataDir, bankSchema);
  const server = createBankServer({ db });
  const url = await listen(server, 0, '127.0.0.1');
  return { client: new BankClient({ baseUrl: url }), url, stop: stopper(server, db, dataDir) };
}

export async function startStore(): Promise<InProcessService<StoreClient>> {
  const dataDir = freshDataDir('store');
  const db = await openDatabase(dataDir, storeSchema);
  const server = createStoreServer({ db });
  const url = await listen(server, 0, '127.0.0.1');
  return { client: new StoreClient({ baseUrl: url }), url, stop: stopper(server, db, dataDir) };
}

function stopper(server: Parameters<typeof closeServer>[0], db: { close(): Promise<void> }, dataDir: string): () => Promise<void> {
  return async () => {
    await closeServer(server, 0);
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}

/** Awaits a call that must fail with this service error, and returns the error for further checks. */
export async function expectServiceError(
  call: Promise<unknown>,
  expected: { status: number; type: ServiceErrorType; field?: string },
): Promise<ServiceCallError> {
  const error: unknown = await call.then(
    (value) => expect.fail(`expected ${expected.type} but the call succeeded with ${JSON.stringify(value)}`),
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ServiceCallError);
  const callError = error as ServiceCallError;
  expect({ status: callError.status, type: callError.type, field: callError.field }).toEqual({
    status: expected.status,
    type: expected.type,
    field: expected.field,
  });
  return callError;
}

/** Sends a raw body (possibly not JSON) and returns the status and parsed answer. */
export async function postRaw(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** Runs `services/<name>/main.ts` to completion (for flag errors): exit code and output. */
export async function runServiceToExit(
  name: 'bank' | 'store',
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = path.join(PROJECT_ROOT, 'services', name, 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null }>((resolve) => child.once('exit', (code) => resolve({ code })));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const { code } = await exited;
  return { code, stdout, stderr };
}
