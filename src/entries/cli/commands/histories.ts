/**
 * `tempest histories record`: record histories from any cluster into the corpus.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { installQuietRuntime } from '../../../base/harness/worker.ts';
import type { ManifestEntry } from '../../../features/replay/corpus.ts';
import { type ClusterOptions, type RecordEvent, recordHistories, type RecordSummary } from '../../../features/replay/record.ts';
import { STACK_TRACE_MODES, type StackTraces } from '../../../features/replay/redact.ts';
import { type ConnectionFlags, connectionFromFlags } from '../connection-flags.ts';
import { wholeNumber } from '../flags.ts';
import { EXIT, UsageError } from '../../../base/errors.ts';
import { interruptSignal } from '../interrupt.ts';
import { type ProjectFlags, projectOf, shownPath } from '../project.ts';

export interface RecordCommandOptions extends ConnectionFlags, ProjectFlags {
  address: string;
  namespace: string;
  query?: string;
  workflowId?: string[];
  limit: string;
  /** The corpus directory; the config's corpus when absent. */
  out?: string;
  concurrency: string;
  redact?: string;
  redactKeyEnv: string;
  stackTraces: string;
  codeVersion?: string;
  json?: boolean;
}

/**
 * The corpus folder must be a folder this process can write, or a path one can be made at: checked before
 * connecting, so a run that could not write its histories never starts (and creates nothing).
 */
function checkOutDir(out: string): void {
  let existing = path.resolve(out);
  while (!existsSync(existing)) existing = path.dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(
      existing === path.resolve(out)
        ? `--out ${out}: is a file; the corpus is a directory`
        : `--out ${out}: ${existing} is a file, so no directory can be made there`,
    );
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--out ${out}: ${existing === path.resolve(out) ? 'the directory' : existing} is not writable (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

function stackTraceMode(value: string): StackTraces {
  if (!(STACK_TRACE_MODES as readonly string[]).includes(value))
    throw new UsageError(`--stack-traces must be one of ${STACK_TRACE_MODES.join(', ')}, got '${value}'`);
  return value as StackTraces;
}

/** Check the flags and turn them into a cluster connection; secrets are read here and nowhere else. */
export function clusterFromFlags(options: RecordCommandOptions): ClusterOptions {
  return { address: options.address, namespace: options.namespace, ...connectionFromFlags(options) };
}

/** Progress: one updating line on a terminal, one line per history otherwise. */
function progressPrinter(json: boolean | undefined): (event: RecordEvent) => void {
  const tty = process.stderr.isTTY && !json;
  return (event) => {
    if (event.type === 'selected') {
      process.stderr.write(`selected ${event.total} executions\n`);
      return;
    }
    if (event.type === 'repaired') {
      process.stderr.write(`repaired: ${event.what}\n`);
      return;
    }
    const what =
      event.type === 'recorded'
        ? `${event.changed ? 'recorded ' : 'unchanged'} ${event.entry.workflowType} ${event.entry.workflowId}`
        : `FAILED ${event.workflowId}: ${event.error}`;
    if (tty && event.type === 'recorded')
      process.stderr.write(`\r\u001b[2K[${event.done}/${event.total}] ${what}${event.done === event.total ? '\n' : ''}`);
    else process.stderr.write(`${tty ? '\r\u001b[2K' : ''}[${event.done}/${event.total}] ${what}\n`);
  };
}

function report(summary: RecordSummary, outDir: string, json: boolean | undefined): number {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ outDir, recorded: summary.recorded.map(pick), unchanged: summary.unchanged, failures: summary.failures, skipped: summary.skipped }, null, 2)}\n`,
    );
  } else {
    const skipped = summary.skipped > 0 ? `, ${summary.skipped} not recorded (interrupted)` : '';
    process.stdout.write(
      `${summary.recorded.length} recorded, ${summary.unchanged} unchanged, ${summary.failures.length} failed${skipped} -> ${outDir}\n`,
    );
    for (const failure of summary.failures)
      process.stdout.write(`  failed ${failure.workflowId} (run ${failure.runId}): ${failure.error}\n`);
  }
  if (summary.skipped > 0) return EXIT.interrupted;
  return summary.failures.length === 0 ? EXIT.ok : EXIT.usageOrHarness;
}

function pick(entry: ManifestEntry) {
  return { file: entry.file, workflowType: entry.workflowType, workflowId: entry.workflowId, runId: entry.runId, status: entry.status };
}

export async function runRecord(options: RecordCommandOptions): Promise<number> {
  const cluster = clusterFromFlags(options);
  if (options.query === undefined && !options.workflowId?.length) {
    throw new UsageError(
      "choose what to record: --query '<visibility query>' (e.g. \"WorkflowType = 'moneyTransfer'\") or --workflow-id <id> (repeatable)",
    );
  }
  const fields = options.redact
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (options.redact !== undefined && !fields?.length) throw new UsageError('--redact needs a comma-separated list of payload field names');
  let key = process.env[options.redactKeyEnv];
  if (fields && !key) {
    key = randomBytes(32).toString('hex');
    process.stderr.write(
      `warning: ${options.redactKeyEnv} is not set; redaction tokens use a one-off key, so re-recording will not reproduce identical files\n`,
    );
  }
  const limit = wholeNumber('--limit', options.limit, { min: 1 });
  const concurrency = wholeNumber('--concurrency', options.concurrency, { min: 1 });
  const stackTraces = stackTraceMode(options.stackTraces);
  const outDir = options.out ?? shownPath((await projectOf(options)).corpus);
  checkOutDir(outDir);
  installQuietRuntime();
  const summary = await recordHistories({
    cluster,
    selection: { query: options.query, workflowIds: options.workflowId, limit },
    outDir,
    concurrency,
    redaction: fields && key ? { fields, key } : undefined,
    stackTraces,
    codeVersion: options.codeVersion,
    onEvent: progressPrinter(options.json),
    signal: interruptSignal(),
  });
  return report(summary, outDir, options.json);
}
