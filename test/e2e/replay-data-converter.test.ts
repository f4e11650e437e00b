/**
 * Histories whose payloads are encrypted by a codec and serialized by a custom payload converter replay with
 * `--data-converter`, strict mode comparing the decoded values; and replay works straight from the cluster
 * (`--address` with `--workflow-id` or `--query`), with the same report and exit codes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { findHistoryFiles } from '../../src/features/replay/corpus';
import { recordHistories } from '../../src/features/replay/record';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { dataConverter } from '../fixtures/replay/encrypted-data-converter';
import { tempestAsync } from '../support/cli';
import { uniqueId } from '../support/ids';
import { tempestContext } from 'tempest/vitest';

const FIXTURES = path.relative(PROJECT_ROOT, path.join(PROJECT_ROOT, 'test', 'fixtures', 'replay'));
const CONVERTER = path.join(FIXTURES, 'encrypted-data-converter.ts');
const GREETINGS = path.join(FIXTURES, 'greetings.ts');
const CHANGED = path.join(FIXTURES, 'greetings-changed.ts');
const taskQueue = uniqueId('encrypted');
const names = ['Ada', 'Grace'];
const ids = names.map((name) => `${taskQueue}-${name}`);
const ENCRYPTED = Buffer.from('binary/encrypted').toString('base64');

let connection: Connection;
let corpus: string;

beforeAll(async () => {
  installQuietRuntime();
  const address = tempestContext().devServer!.address;
  connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  try {
    const client = new Client({ connection, dataConverter });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: path.join(PROJECT_ROOT, GREETINGS),
        payloadConverterPath: dataConverter.payloadConverterPath,
        logger: new DefaultLogger('ERROR'),
      }),
      activities: { compose: async (text: string) => `${text}!` },
      dataConverter,
    });
    const results = await worker.runUntil(
      Promise.all(names.map((name, i) => client.workflow.execute('greet', { taskQueue, workflowId: ids[i]!, args: [name] }))),
    );
    expect(results).toEqual(['Hello, Ada!', 'Hello, Grace!']);
  } finally {
    await nativeConnection.close();
  }
  corpus = mkdtempSync(path.join(os.tmpdir(), 'tempest-encrypted-'));
  const summary = await recordHistories({
    cluster: { address, namespace: 'default' },
    connection,
    selection: { workflowIds: ids, limit: 2 },
    outDir: corpus,
  });
  expect(summary.failures).toEqual([]);
});

afterAll(async () => {
  await connection?.close();
  if (corpus) rmSync(corpus, { recursive: true, force: true });
});

const replay = (...args: string[]) => tempestAsync(['replay', ...args]);

describe('--data-converter', () => {
  it('the recorded histories hold only encrypted payloads', async () => {
    for (const file of await findHistoryFiles([corpus])) {
      const text = readFileSync(file, 'utf8');
      const encodings = [...text.matchAll(/"encoding": "([^"]+)"/g)].map((m) => m[1]);
      expect(encodings.length).toBeGreaterThan(2);
      expect(new Set(encodings)).toEqual(new Set([ENCRYPTED]));
      const payloads = [...text.matchAll(/"data": "([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1'));
      for (const payload of payloads) expect(payload).not.toMatch(/Hello|"Ada"|"Grace"/);
    }
  });

  it('without it, the workflow cannot read its encrypted input: the replay fails', async () => {
    const { code, stdout } = await replay(corpus, '--workflows', GREETINGS);
    expect(code).toBe(1);
    expect(stdout).toMatch(/2 histories: 0 passed, 0 non-deterministic, 0 drifted, 2 failed/);
  });

  it('with it, they replay clean, strict included', async () => {
    const { code, stdout } = await replay(corpus, '--workflows', GREETINGS, '--data-converter', CONVERTER, '--strict');
    expect(stdout).toMatch(/2 histories: 2 passed/);
    expect(code).toBe(0);
  });

  it('strict compares the decoded values, not the ciphertext', async () => {
    const { code, stdout } = await replay(corpus, '--workflows', CHANGED, '--data-converter', CONVERTER, '--strict');
    expect(code).toBe(1);
    expect(stdout).toContain('event 5, arguments of activity compose: [0]: "Hello, Ada" -> "Hi, Ada"');
    expect(stdout).toContain('event 5, arguments of activity compose: [0]: "Hello, Grace" -> "Hi, Grace"');
  });

  it.each([
    [
      'a module without a dataConverter export',
      GREETINGS,
      `tempest: --data-converter ${GREETINGS}: exports no dataConverter (expected \`export const dataConverter = { payloadCodecs: [...], payloadConverterPath?: '...' }\`)`,
    ],
    ['a file that does not exist', 'no/such/converter.ts', 'tempest: --data-converter no/such/converter.ts: no such file'],
  ])('exits 2 naming the flag for %s', async (_what, module, message) => {
    const { code, stdout, stderr } = await replay(corpus, '--workflows', GREETINGS, '--data-converter', module);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(message);
    expect(stdout).toBe('');
  });
});

describe('replay straight from a cluster', () => {
  it('by workflow id: the same report and exit codes as from files', async () => {
    const report = path.join(corpus, '..', `${path.basename(corpus)}-report.json`);
    const clean = await replay(
      '--address',
      tempestContext().devServer!.address,
      '--workflow-id',
      ...ids,
      '--workflows',
      GREETINGS,
      '--data-converter',
      CONVERTER,
      '--strict',
      '--json',
      report,
    );
    expect(clean.stdout).toMatch(/2 histories: 2 passed/);
    expect(clean.code).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { source: string; results: { file: string }[] };
    rmSync(report, { force: true });
    expect(json.source).toBe(`${tempestContext().devServer!.address} (namespace default), workflow ids ${ids.join(', ')}`);
    expect(json.results[0]!.file).toMatch(new RegExp(`^${tempestContext().devServer!.address}/default/${ids[0]}/[0-9a-f-]{36}$`));

    const drifted = await replay(
      '--address',
      tempestContext().devServer!.address,
      '--workflow-id',
      ...ids,
      '--workflows',
      CHANGED,
      '--data-converter',
      CONVERTER,
      '--strict',
    );
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain('arguments of activity compose: [0]: "Hello, Ada" -> "Hi, Ada"');
  });

  it('by visibility query', async () => {
    // Visibility is eventually consistent: the closed runs may take a moment to be listed.
    let result = { code: null as number | null, stdout: '', stderr: '' };
    for (let attempt = 0; attempt < 20 && !/2 histories/.test(result.stdout); attempt++) {
      result = await replay(
        '--address',
        tempestContext().devServer!.address,
        '--query',
        `TaskQueue = '${taskQueue}'`,
        '--workflows',
        GREETINGS,
        '--data-converter',
        CONVERTER,
      );
      if (!/2 histories/.test(result.stdout)) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(result.stdout).toMatch(/2 histories: 2 passed/);
    expect(result.code).toBe(0);
  });

  it.each([
    [['--address', '127.0.0.1:1', '--query', ''], /^tempest: cannot reach Temporal at 127\.0\.0\.1:1: .+\n$/],
    [['--query', 'WorkflowType = x'], /^tempest: --query and --workflow-id replay from a cluster: give its --address too\n$/],
    [
      [CONVERTER, '--address', '127.0.0.1:1', '--query', ''],
      /^tempest: replay either files \(.+\) or a cluster \(--address with --query or --workflow-id\), not both\n$/,
    ],
  ])('exits 2 with one line for %j', async (args, message) => {
    const { code, stdout, stderr } = await replay(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
