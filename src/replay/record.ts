/**
 * Recording histories from any Temporal cluster into the corpus: select executions by visibility query or by
 * workflow id, download their histories concurrently, and write each atomically in the exact format of
 * `temporal workflow show --output json`, with a manifest entry. Re-recording an unchanged run rewrites nothing.
 * Credentials are used for the connection only: never written to files, the manifest, or messages.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions, type WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { historyPath, type ManifestEntry, readManifest, removeStalePartials, sha256, writeFileAtomic, writeManifest } from './corpus.ts';
import { historyFileText } from './history-file.ts';
import { type Redaction, redactHistoryJson } from './redact.ts';

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

export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
}

export async function connectToCluster(cluster: ClusterOptions): Promise<Connection> {
  const options: ConnectionOptions = { address: cluster.address, connectTimeout: 5000 };
  if (cluster.tls === true) options.tls = cluster.tls;
  else if (cluster.tls) {
    const { certFile, keyFile, caFile, serverName } = cluster.tls;
    options.tls = {
      serverNameOverride: serverName,
      serverRootCACertificate: caFile ? readFileSync(caFile) : undefined,
      clientCertPair: certFile && keyFile ? { crt: readFileSync(certFile), key: readFileSync(keyFile) } : undefined,
    };
  }
  if (cluster.apiKey) options.apiKey = cluster.apiKey;
  try {
    const connection = await Connection.connect(options);
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (error) {
    // The SDK's message can quote connection options; keep only its first line and never the key.
    const reason = (error as Error).message.split('\n')[0]!.replaceAll(cluster.apiKey ?? '\u0000', '***');
    const hint = /deadline/i.test(reason) ? ' (is the address right, and does the cluster need TLS: --tls, --tls-ca, --tls-cert and --tls-key?)' : '';
    throw new ClusterUnreachableError(`cannot reach Temporal at ${cluster.address}: ${reason}${hint}`);
  }
}

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
    for await (const info of client.workflow.list({ query: selection.query || undefined, pageSize: Math.min(selection.limit, 1000) })) {
      if (executions.length >= selection.limit) break;
      executions.push(toExecution(info));
    }
  }
  return executions;
}

/** The SDK and build id the history recorded for its first completed workflow task. */
function producer(history: temporal.api.history.v1.IHistory): Pick<ManifestEntry, 'sdk' | 'buildId'> {
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
    const manifest = readManifest(options.outDir);
    const entries = new Map(manifest.histories.map((entry) => [entry.file, entry]));
    const summary: RecordSummary = { recorded: [], unchanged: 0, failures: [], skipped: 0 };
    let done = 0;

    const recordOne = async (execution: Execution): Promise<void> => {
      try {
        const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
        let text = historyFileText(history);
        if (options.redaction) text = `${JSON.stringify(redactHistoryJson(JSON.parse(text), options.redaction), null, 2)}\n`;
        const file = historyPath(execution.workflowType, execution.workflowId, execution.runId);
        const target = path.join(options.outDir, file);
        const digest = sha256(text);
        const previous = entries.get(file);
        const changed = !(previous?.sha256 === digest && existsSync(target) && sha256(readFileSync(target, 'utf8')) === digest);
        if (changed) writeFileAtomic(target, text);
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
            }
          : previous!;
        entries.set(file, entry);
        // The manifest is rewritten (atomically) after each history, so an interrupted run still describes what it wrote.
        writeManifest(options.outDir, { schema: manifest.schema, histories: [...entries.values()] });
        if (changed) summary.recorded.push(entry);
        else summary.unchanged++;
        options.onEvent?.({ type: 'recorded', entry, changed, done: ++done, total: executions.length });
      } catch (error) {
        const message = (error as Error).message.split('\n')[0]!;
        summary.failures.push({ workflowId: execution.workflowId, runId: execution.runId, error: message });
        options.onEvent?.({ type: 'failed', workflowId: execution.workflowId, runId: execution.runId, error: message, done: ++done, total: executions.length });
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
