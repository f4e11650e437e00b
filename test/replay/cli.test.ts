import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { TEMPEST_BIN, tempestAsync, tempestSync } from '../support/cli';

const tempest = (args: string[], env: NodeJS.ProcessEnv = {}) => tempestSync(args, { env });

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tempest-replay-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeAndReturn(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}

/** The committed corpus file of one execution. */
function corpusFile(workflowType: string, workflowId: string): string {
  const dir = path.join(PROJECT_ROOT, 'replay-histories', workflowType);
  return path.join(
    dir,
    readdirSync(dir).find((file) => file.startsWith(`${workflowId}.`))!,
  );
}

describe('tempest replay', () => {
  it('exits 0 for the corpus and writes a JSON report', () => {
    const report = path.join(tmp, 'report.json');
    const { code, stdout } = tempest(['replay', 'replay-histories', '--strict', '--json', report]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/21 histories: 21 passed, 0 non-deterministic, 0 drifted, 0 failed/);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      schema: 'tempest.replay/v1',
      strict: true,
      summary: { total: 21, passed: 21 },
    });
  });

  it('replays the corpus in 3 shards whose merged reports are the whole replay: every history once, the same verdict', () => {
    const whole = tempest(['replay', 'replay-histories', '--json', path.join(tmp, 'whole.json')]);
    expect(whole.code).toBe(0);
    const shards = [1, 2, 3].map((index) => {
      const report = path.join(tmp, `shard-${index}.json`);
      const run = tempest(['replay', '--shard', `${index}/3`, '--json', report, '--parallel', '1']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Replaying [78] of 21 histories \\(shard ${index}/3\\) against workflows/index\\.ts`));
      return report;
    });
    const merged = path.join(tmp, 'merged.json');
    const run = tempest(['replay', 'merge', ...shards, '--json', merged]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^21 histories: 21 passed, 0 non-deterministic, 0 drifted, 0 failed \(the longest part replayed in [\d.]+ s\)$/m,
    );
    const ids = (file: string): string[] =>
      (JSON.parse(readFileSync(file, 'utf8')) as { results: { file: string }[] }).results.map((r) => r.file).sort();
    expect(ids(merged)).toEqual(ids(path.join(tmp, 'whole.json')));
  });

  it('exits 1 and explains the divergence when the code is incompatible', () => {
    const { code, stdout } = tempest([
      'replay',
      'replay-histories/moneyTransfer',
      '--workflows',
      'test/fixtures/workflow-changes/activities-reordered.ts',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('transfer-corpus-completed (replay-histories/moneyTransfer/transfer-corpus-completed.');
    expect(stdout).toContain('non-deterministic at event 5');
    expect(stdout).toContain('history: scheduled activity withdraw');
    expect(stdout).toContain('code:    scheduled activity deposit');
  });

  it('exits 2 naming the file that is not a history, and replays nothing', () => {
    const dir = mkdtempSync(path.join(tmp, 'bad-'));
    writeFileSync(path.join(dir, 'good.json'), readFileSync(path.join(PROJECT_ROOT, 'replay-histories', 'manifest.json'), 'utf8'));
    writeFileSync(path.join(dir, 'truncated.json'), '{"events": [{"eventId": "1", "eventT');
    const report = path.join(dir, 'report.json');
    const { code, stdout, stderr } = tempest(['replay', dir, '--json', report]);
    expect(code).toBe(2);
    expect(stderr).toContain(`tempest: ${path.join(dir, 'good.json')}: not a Temporal history: there is no "events" array`);
    expect(stderr).toContain(`tempest: ${path.join(dir, 'truncated.json')}: not valid JSON (the file looks truncated)`);
    expect(stdout).toBe('');
    expect(existsSync(report)).toBe(false);
  });

  it('exits 2 naming the file and the event of a history with an unknown event type, where the SDK would hang', () => {
    const dir = mkdtempSync(path.join(tmp, 'unknown-event-'));
    const history = JSON.parse(readFileSync(corpusFile('moneyTransfer', 'transfer-corpus-completed'), 'utf8')) as {
      events: { eventType: string }[];
    };
    history.events[3]!.eventType = 'EVENT_TYPE_FROBNICATED';
    writeFileSync(path.join(dir, 'unknown.json'), JSON.stringify(history));
    const { status, stdout, stderr } = spawnSync(process.execPath, [TEMPEST_BIN, 'replay', dir], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(status).toBe(2);
    expect(stderr.trim()).toBe(
      `tempest: ${path.join(dir, 'unknown.json')}: event 4: unknown event type "EVENT_TYPE_FROBNICATED" (this replayer, @temporalio/proto 1.24.0, knows no such event)`,
    );
    expect(stdout).toBe('');
  });

  it('replays a folder below an unrelated manifest.json, and a folder of .jsonl exports', () => {
    const dir = mkdtempSync(path.join(tmp, 'elsewhere-'));
    writeFileSync(path.join(dir, 'manifest.json'), '{"name": "not a tempest manifest"}');
    mkdirSync(path.join(dir, 'exports', 'moneyTransfer'), { recursive: true });
    const lines = ['transfer-corpus-completed', 'transfer-corpus-unknown-source'].map((id) =>
      JSON.stringify(JSON.parse(readFileSync(corpusFile('moneyTransfer', id), 'utf8'))),
    );
    writeFileSync(path.join(dir, 'exports', 'moneyTransfer', 'transfers.jsonl'), `${lines.join('\n')}\n`);
    const { code, stdout } = tempest(['replay', path.join(dir, 'exports')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/2 histories: 2 passed/);
    expect(stdout).toContain('transfer-corpus-unknown-source');
  });

  it.each([
    [['--parallel', '0'], "tempest: --parallel must be a positive integer, got '0'"],
    [['--stall-timeout', 'soon'], "tempest: --stall-timeout must be a positive number of seconds, got 'soon'"],
  ])('exits 2 naming a bad flag: %s', (flags, message) => {
    const { code, stdout, stderr } = tempest(['replay', ...flags]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(message);
    expect(stdout).toBe('');
  });

  it('exits 2 naming --workflows when the module does not exist', () => {
    const { code, stderr } = tempest(['replay', '--workflows', 'no/such/workflows.ts']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tempest: --workflows no/such/workflows.ts: no such file');
  });
});

describe('tempest histories record', () => {
  it('exits 2 when nothing is selected', () => {
    const { code, stderr } = tempest(['histories', 'record']);
    expect(code).toBe(2);
    expect(stderr).toContain('choose what to record: --query');
  });

  it('exits 2 naming --api-key-env when that variable is not set', () => {
    const { code, stderr } = tempest(['histories', 'record', '--query', '', '--api-key-env', 'TEMPEST_TEST_UNSET_KEY']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tempest: --api-key-env TEMPEST_TEST_UNSET_KEY: that environment variable is not set');
  });

  it('exits 2 with one line when the cluster is unreachable, and never prints the API key', () => {
    const { code, stderr } = tempest(
      ['histories', 'record', '--address', '127.0.0.1:1', '--query', '', '--api-key-env', 'TEMPEST_TEST_KEY', '--out', tmp],
      {
        TEMPEST_TEST_KEY: 'sekret-api-key-123',
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tempest: cannot reach Temporal at 127\.0\.0\.1:1: .+\n$/);
    expect(stderr).not.toContain('sekret-api-key-123');
  });

  it('exits 2 naming a --tls-ca file that is not a certificate, before any handshake', () => {
    const ca = path.join(tmp, 'not-a-ca.pem');
    writeFileSync(ca, 'this is not a certificate\n');
    const { code, stderr } = tempest([
      'histories',
      'record',
      '--address',
      '127.0.0.1:1',
      '--query',
      '',
      '--tls-ca',
      ca,
      '--out',
      path.join(tmp, 'never'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^tempest: --tls-ca ${ca}: not a PEM certificate \\(.+\\)\n$`));
  });

  it.each([
    [
      'a file',
      () => writeAndReturn(path.join(tmp, 'a-file'), 'x'),
      (out: string) => `tempest: --out ${out}: is a file; the corpus is a directory`,
    ],
    [
      'inside a file',
      () => path.join(writeAndReturn(path.join(tmp, 'another-file'), 'x'), 'corpus'),
      (out: string) => `tempest: --out ${out}: ${path.dirname(out)} is a file, so no directory can be made there`,
    ],
    ['not writable', () => '/proc/1/corpus', (out: string) => `tempest: --out ${out}: /proc/1 is not writable (EPERM)`],
  ])('refuses an --out that is %s before connecting (exit 2, nothing written)', async (_what, makeOut, message) => {
    const out = makeOut();
    // The address is a listener that counts who connects: the --out is refused before any connection is tried.
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    try {
      const { code, stderr } = await tempestAsync(['histories', 'record', '--address', `127.0.0.1:${port}`, '--query', '', '--out', out]);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(message(out));
      await new Promise((resolve) => setImmediate(resolve)); // a connection the kernel accepted is counted by now
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });

  it('exits 2 naming a --stack-traces mode it does not know', () => {
    const { code, stderr } = tempest(['histories', 'record', '--query', '', '--stack-traces', 'hide']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("tempest: --stack-traces must be one of keep, strip, redact, got 'hide'");
  });

  it('exits 2 naming the missing TLS file', () => {
    const { code, stderr } = tempest(['histories', 'record', '--query', '', '--tls-cert', '/no/cert.pem', '--tls-key', '/no/key.pem']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tempest: --tls-cert /no/cert.pem: no such file');
  });
});

describe('tempest bench run --suite replay', () => {
  it('measures histories/s of tempest (cold and warm bundle cache) and of the bare SDK, on the corpus and on copies of it', () => {
    const out = path.join(tmp, 'replay-bench.json');
    const { code, stderr } = tempest(['bench', 'run', '--quick', '--suite', 'replay', '--out', out]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      benchmarks: { id: string; unit: string; samples: number[]; params: { histories: number } }[];
    };
    const variants = ['tempest-cold', 'tempest-warm', 'bare-sdk', 'bare-sdk-prebundled'];
    // --quick's large set: the corpus copied until it holds at least 60 histories.
    const copies = Math.ceil(60 / 21);
    expect(report.benchmarks.map((b) => b.id)).toEqual(
      ['corpus', `corpus-x${copies}`].flatMap((set) => variants.map((v) => `replay/${set}/${v}/throughput`)),
    );
    expect(report.benchmarks.map((b) => [b.params.histories, b.samples.length])).toEqual([
      ...variants.map(() => [21, 2]),
      ...variants.map(() => [21 * copies, 1]),
    ]);
    for (const b of report.benchmarks) {
      expect(b.unit).toBe('histories/s');
      for (const sample of b.samples) expect(sample).toBeGreaterThan(0);
    }
  });
});
