import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/base/harness/process';
import { type DevServer, startDevServer } from '../../src/base/harness/temporal';
import { tempestAsync } from '../support/cli';
import { makeTestPki, startTlsFront, type TestPki, type TlsFront } from '../support/tls-front';

const API_KEY = 'tk_test_0a1b2c3d4e5f-never-printed';

/** The CLI, asynchronously: this process serves the TLS front while the command runs. */
const tempest = (args: string[], env: NodeJS.ProcessEnv = {}) => tempestAsync(args, { env });

// The existing cluster demands mTLS: a dev server behind a TLS terminator that refuses clients without a certificate.
let pki: TestPki;
let server: DevServer | undefined;
let front: TlsFront | undefined;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tempest-external-tls-'));
beforeAll(async () => {
  pki = makeTestPki();
  server = await startDevServer();
  front = await startTlsFront(pki, await freePort(), server.address);
});
afterAll(async () => {
  await front?.close();
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

describe('chaos run --cluster external against a cluster that demands mTLS and an API key', () => {
  it('runs a scenario that faults both Temporal links: workers and clients connect with the certificate, through Toxiproxy', async () => {
    const report = path.join(scratch, 'report');
    const { code, stdout, stderr } = await tempest(
      [
        'chaos',
        'run',
        path.join('test', 'fixtures', 'chaos', 'temporal-links-scenario.ts'),
        '--seed',
        '5',
        '--cluster',
        'external',
        '--address',
        front!.address,
        '--tls-ca',
        pki.caFile,
        '--tls-cert',
        pki.clientCertFile,
        '--tls-key',
        pki.clientKeyFile,
        '--tls-server-name',
        pki.serverName,
        '--api-key-env',
        'TEMPEST_TEST_API_KEY',
        '--report',
        report,
      ],
      { TEMPEST_TEST_API_KEY: API_KEY },
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('every invariant held');
    const json = JSON.parse(readFileSync(path.join(report, 'report.json'), 'utf8')) as {
      ok: boolean;
      provider: string;
      verdicts: { checker: string; ok: boolean }[];
    };
    expect(json.provider).toBe('external');
    expect(json.ok).toBe(true);
    expect(json.verdicts.map((v) => [v.checker, v.ok])).toContainEqual(['histories-replay', true]);
    // Every connection was TLS with the client certificate: the harness's own, the client link's and the worker's
    // (the worker reconnected after its link came back).
    expect(front!.authorized.get('tempest-worker')).toBeGreaterThanOrEqual(3);
    // The replay line names the flags and the variable, never the key; no file of the report holds the key.
    expect(stdout).toContain('--api-key-env TEMPEST_TEST_API_KEY');
    for (const output of [stdout, stderr]) expect(output).not.toContain(API_KEY);
    const files = readdirSync(report, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    for (const file of files) expect(readFileSync(path.join(file.parentPath, file.name), 'utf8'), file.name).not.toContain(API_KEY);
  });

  it('without the client certificate the cluster refuses the handshake: exit 2, one line naming the address, no report', async () => {
    const report = path.join(scratch, 'refused');
    const refusedBefore = front!.refused;
    const { code, stderr } = await tempest([
      'chaos',
      'run',
      'steady-state',
      '--seed',
      '1',
      '--cluster',
      'external',
      '--address',
      front!.address,
      '--tls-ca',
      pki.caFile,
      '--tls-server-name',
      pki.serverName,
      '--report',
      report,
    ]);
    expect(code).toBe(2);
    const errors = stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('tempest:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`cannot reach Temporal at ${front!.address}`);
    expect(front!.refused).toBeGreaterThan(refusedBefore);
    expect(readdirSync(scratch)).not.toContain('refused');
  });
});
