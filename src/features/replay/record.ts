/**
 * Recording histories from any Temporal cluster into the corpus: select executions by visibility query or by
 * workflow id, download their histories concurrently, and write each atomically in the exact format of
 * `temporal workflow show --output json`, with a manifest entry. Re-recording an unchanged run rewrites nothing.
 * Credentials are used for the connection only: never written to files, the manifest, or messages.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Client, Connection, type ConnectionOptions, type WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import {
  clearJournalEntry,
  historyPath,
  journalEntry,
  type ManifestEntry,
  readManifest,
  removeStalePartials,
  repairManifest,
  sha256,
  writeManifest,
} from './corpus.ts';
import { writeFileAtomic } from '../../base/files.ts';
import { historyFileText } from '../../base/history/history-file.ts';
import { type Redaction, redactHistoryJson, type StackTraces, treatStackTraces } from './redact.ts';
import { HarnessError, UsageError } from '../../base/errors.ts';

export interface ClusterOptions {
  address: string;
  namespace: string;
  /** TLS: true for server-verified TLS with the system roots, or files for mTLS and custom CAs. */
  tls?: boolean | { certFile?: string; keyFile?: string; caFile?: string; serverName?: string };
  /** The API key itself (read from the environment by the caller; never stored). */
  apiKey?: string;
}

export interface Selection {
  query?: string;
  workflowIds?: readonly string[];
  /** At most this many executions (for a query). */
  limit: number;
}

export type RecordEvent =
  | { type: 'repaired'; what: string }
  | { type: 'selected'; total: number }
  | { type: 'recorded'; entry: ManifestEntry; changed: boolean; done: number; total: number }
  | { type: 'failed'; workflowId: string; runId: string; error: string; done: number; total: number };

export interface RecordOptions {
  cluster: ClusterOptions;
  /** Use this connection (the caller's, left open) instead of connecting to `cluster`. */
  connection?: Connection;
  selection: Selection;
  /** The corpus root (replay-histories/). */
  outDir: string;
  concurrency?: number;
  redaction?: Redaction;
  /** Failure stack traces carry the worker machine's paths: keep (the default), strip or redact them. */
  stackTraces?: StackTraces;
  /** What produced these histories (a git sha or release); defaults to the history's build id. */
  codeVersion?: string;
  onEvent?: (event: RecordEvent) => void;
  /** Stop taking new executions once aborted; histories being written are finished, so nothing is left half-done. */
  signal?: AbortSignal;
}

export interface RecordSummary {
  recorded: ManifestEntry[];
  unchanged: number;
  failures: { workflowId: string; runId: string; error: string }[];
  /** Executions not recorded because the signal aborted the run. */
  skipped: number;
}

export class ClusterUnreachableError extends HarnessError {
  override name = 'ClusterUnreachableError';
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** A TLS file's content, checked to be what its flag needs, so a wrong file is named before any handshake. */
function tlsFile(flag: string, file: string, kind: 'certificate' | 'private key'): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? firstLine(error)})`);
  }
  try {
    if (kind === 'certificate') new X509Certificate(data);
    else createPrivateKey(data);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not a PEM ${kind} (${firstLine(error)})`);
  }
  return data;
}

export async function connectToCluster(cluster: ClusterOptions): Promise<Connection> {
  const options: ConnectionOptions = { address: cluster.address, connectTimeout: 5000 };
  if (cluster.tls === true) options.tls = cluster.tls;
  else if (cluster.tls) {
    const { certFile, keyFile, caFile, serverName } = cluster.tls;
    options.tls = {
      serverNameOverride: serverName,
      serverRootCACertificate: caFile ? tlsFile('--tls-ca', caFile, 'certificate') : undefined,
      clientCertPair:
        certFile && keyFile
          ? { crt: tlsFile('--tls-cert', certFile, 'certificate'), key: tlsFile('--tls-key', keyFile, 'private key') }
          : undefined,
    };
  }
  if (cluster.apiKey) options.apiKey = cluster.apiKey;
  try {
    const connection = await Connection.connect(options);
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (error) {
    // The SDK's message can quote connection options; keep only its first line and never the key.
    const reason = firstLine(error).replaceAll(cluster.apiKey ?? '\u0000', '***');
    const tlsProblem = options.tls ? await diagnoseTls(cluster) : undefined;
    const hint = tlsProblem
      ? ` (${tlsProblem})`
      : /deadline/i.test(reason)
        ? ' (is the address right, and does the cluster need TLS: --tls, --tls-ca, --tls-cert and --tls-key?)'
        : '';
    throw new ClusterUnreachableError(`cannot reach Temporal at ${cluster.address}: ${reason}${hint}`);
  }
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * Why a TLS connection fails, from a TLS handshake of our own with the same files (the SDK only says it could not
 * connect before the deadline): the server's certificate not signed by the CA given, not naming the server, expired,
 * or our client certificate refused. Undefined when the handshake succeeds or fails for another reason.
 */
async function diagnoseTls(cluster: ClusterOptions): Promise<string | undefined> {
  const files = typeof cluster.tls === 'object' ? cluster.tls : {};
  const at = cluster.address.lastIndexOf(':');
  const host = cluster.address.slice(0, at);
  const servername = files.serverName ?? (isIP(host) ? undefined : host);
  const code = await new Promise<string | undefined>((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(cluster.address.slice(at + 1)),
      servername,
      ca: files.caFile ? readFileSync(files.caFile) : undefined,
      cert: files.certFile ? readFileSync(files.certFile) : undefined,
      key: files.keyFile ? readFileSync(files.keyFile) : undefined,
      ALPNProtocols: ['h2'],
      // With no server name to check (an IP address), still verify who signed the certificate.
      ...(servername ? {} : { checkServerIdentity: () => undefined }),
    });
    const done = (result: string | undefined): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(3000, () => done(undefined));
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
  if (!code) return undefined;
  if (UNTRUSTED.has(code)) {
    return files.caFile
      ? `the server's certificate is not signed by the CA in --tls-ca ${files.caFile}: ${code}`
      : `the server's certificate is not signed by a CA this machine trusts: ${code}; give its CA with --tls-ca`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the server's certificate does not name ${servername}: give the name it has with --tls-server-name`;
  if (code === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
    return files.certFile
      ? `the server refused the client certificate in --tls-cert ${files.certFile}: ${code}`
      : `the server requires a client certificate: give --tls-cert and --tls-key (${code})`;
  }
  return undefined;
}

/** What the server said, from an SDK error wrapping a gRPC one. */
function serverSaid(error: unknown): { code?: number; details: string } {
  for (
    let current = error as { cause?: unknown; code?: unknown; details?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (typeof current.code === 'number' && typeof current.details === 'string') return { code: current.code, details: current.details };
  }
  return { details: firstLine(error) };
}

const INVALID_ARGUMENT = 3;

export interface Execution {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
}

function toExecution(info: Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'type' | 'status'>): Execution {
  return { workflowId: info.workflowId, runId: info.runId, workflowType: info.type, status: info.status.name.toLowerCase() };
}

/** The executions a selection names: by workflow id (their latest run) and by visibility query, up to the limit. */
export async function selectExecutions(client: Client, selection: Selection): Promise<Execution[]> {
  const executions: Execution[] = [];
  for (const workflowId of selection.workflowIds ?? []) {
    executions.push(toExecution(await client.workflow.getHandle(workflowId).describe()));
  }
  if (selection.query !== undefined) {
    try {
      for await (const info of client.workflow.list({ query: selection.query || undefined, pageSize: Math.min(selection.limit, 1000) })) {
        if (executions.length >= selection.limit) break;
        executions.push(toExecution(info));
      }
    } catch (error) {
      const said = serverSaid(error);
      if (said.code === INVALID_ARGUMENT)
        throw new UsageError(`--query ${JSON.stringify(selection.query)}: the server rejected it: ${said.details}`);
      throw new ClusterUnreachableError(`listing executions with --query ${JSON.stringify(selection.query)} failed: ${said.details}`);
    }
  }
  return executions;
}

/** The SDK and build id the history recorded for its first completed workflow task. */
export function producer(history: temporal.api.history.v1.IHistory): Pick<ManifestEntry, 'sdk' | 'buildId'> {
  for (const event of history.events ?? []) {
    const completed = event.workflowTaskCompletedEventAttributes;
    if (completed?.sdkMetadata?.sdkName) {
      return {
        sdk: { name: completed.sdkMetadata.sdkName, version: completed.sdkMetadata.sdkVersion ?? 'unknown' },
        buildId: completed.workerVersion?.buildId || completed.deploymentVersion?.buildId || undefined,
      };
    }
  }
  return { sdk: { name: 'unknown', version: 'unknown' } };
}

/** Record the selected executions into the corpus at `outDir`. */
export async function recordHistories(options: RecordOptions): Promise<RecordSummary> {
  const connection = options.connection ?? (await connectToCluster(options.cluster));
  try {
    const client = new Client({ connection, namespace: options.cluster.namespace });
    const executions = await selectExecutions(client, options.selection);
    options.onEvent?.({ type: 'selected', total: executions.length });
    removeStalePartials(options.outDir);
    for (const what of repairManifest(options.outDir)) options.onEvent?.({ type: 'repaired', what });
    const manifest = readManifest(options.outDir);
    const entries = new Map(manifest.histories.map((entry) => [entry.file, entry]));
    const summary: RecordSummary = { recorded: [], unchanged: 0, failures: [], skipped: 0 };
    let done = 0;

    const recordOne = async (execution: Execution): Promise<void> => {
      try {
        const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        let text = historyFileText(history);
        if (options.redaction || (options.stackTraces && options.stackTraces !== 'keep')) {
          let json = JSON.parse(text) as unknown;
          if (options.stackTraces && options.stackTraces !== 'keep') json = treatStackTraces(json, options.stackTraces);
          if (options.redaction) json = redactHistoryJson(json, options.redaction);
          text = `${JSON.stringify(json, null, 2)}\n`;
        }
        const file = historyPath(execution.workflowType, execution.workflowId, execution.runId);
        const target = path.join(options.outDir, file);
        const digest = sha256(text);
        const previous = entries.get(file);
        const changed = !(previous?.sha256 === digest && existsSync(target) && sha256(readFileSync(target, 'utf8')) === digest);
        const { sdk, buildId } = producer(history);
        const entry: ManifestEntry = changed
          ? {
              file,
              workflowType: execution.workflowType,
              workflowId: execution.workflowId,
              runId: execution.runId,
              status: execution.status,
              eventCount: history.events?.length ?? 0,
              sha256: digest,
              recordedAt: new Date().toISOString(),
              codeVersion: options.codeVersion ?? buildId ?? 'unknown',
              sdk,
              ...(buildId ? { buildId } : {}),
              ...(options.redaction ? { redactedFields: [...options.redaction.fields] } : {}),
              ...(options.stackTraces === 'strip'
                ? { stackTraces: 'stripped' as const }
                : options.stackTraces === 'redact'
                  ? { stackTraces: 'redacted' as const }
                  : {}),
            }
          : previous!;
        // Journal the entry before the file, so a kill between the file and the manifest is repaired next run.
        if (changed) {
          journalEntry(options.outDir, entry);
          writeFileAtomic(target, text);
        }
        entries.set(file, entry);
        // The manifest is rewritten (atomically) after each history, so an interrupted run still describes what it wrote.
        writeManifest(options.outDir, { schema: manifest.schema, histories: [...entries.values()] });
        if (changed) clearJournalEntry(options.outDir, entry);
        if (changed) summary.recorded.push(entry);
        else summary.unchanged++;
        options.onEvent?.({ type: 'recorded', entry, changed, done: ++done, total: executions.length });
      } catch (error) {
        const message = (error as Error).message.split('\n')[0]!;
        summary.failures.push({ workflowId: execution.workflowId, runId: execution.runId, error: message });
        options.onEvent?.({
          type: 'failed',
          workflowId: execution.workflowId,
          runId: execution.runId,
          error: message,
          done: ++done,
          total: executions.length,
        });
      }
    };

    const queue = [...executions];
    const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, queue.length)) }, async () => {
      for (let next = queue.shift(); next && !options.signal?.aborted; next = queue.shift()) await recordOne(next);
    });
    await Promise.all(workers);
    summary.skipped = executions.length - done;
    return summary;
  } finally {
    if (!options.connection) await connection.close();
  }
}
