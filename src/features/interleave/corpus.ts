/**
 * Corpus synthesis: the histories exploration produced, written into the replay corpus, one per shape the corpus
 * does not hold yet, so the replay gate covers orderings production has not recorded. A shape is a history's
 * event sequence (shape.ts); the corpus's own histories are read to know which shapes it already has.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../base/files.ts';
import {
  clearJournalEntry,
  findHistoryFiles,
  historyPath,
  journalEntry,
  type ManifestEntry,
  readManifest,
  repairManifest,
  sha256,
  writeManifest,
} from '../replay/corpus.ts';
import { type History, historyFileText, loadHistoryFile } from '../../base/history/history-file.ts';
import { producer } from '../replay/record.ts';
import { treatStackTraces } from '../replay/redact.ts';
import { type WorkflowStatus, WorkflowProgress } from '../../base/history/progress.ts';
import { historyShape } from './shape.ts';

/** The distinct shapes of the corpus's histories of one workflow type (none when there is no corpus yet). */
export async function corpusShapes(corpus: string, workflowType: string): Promise<Set<string>> {
  const shapes = new Set<string>();
  if (!existsSync(corpus)) return shapes;
  for (const file of await findHistoryFiles([corpus])) {
    if (file.endsWith('.jsonl')) continue;
    const loaded = await loadHistoryFile(file);
    if (loaded.workflowType === workflowType) shapes.add(historyShape(loaded.history));
  }
  return shapes;
}

export interface ShapeCount {
  workflowType: string;
  /** Distinct shapes the exploration's runs produced. */
  explored: number;
  /** Distinct shapes of this workflow type in the corpus before, and how many of the explored ones it held. */
  corpusBefore: number;
  coveredBefore: number;
  /** Histories written (new shapes), and the corpus's distinct shapes after. */
  written: string[];
  corpusAfter: number;
}

const STATUS: Record<WorkflowStatus, string> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'canceled',
  terminated: 'terminated',
  'timed-out': 'timed_out',
  'continued-as-new': 'continued_as_new',
  running: 'running',
};

/** One history of each distinct shape among `histories`, keyed by the shape. */
export function distinctShapes(histories: Iterable<History>): Map<string, History> {
  const shapes = new Map<string, History>();
  for (const history of histories) {
    const shape = historyShape(history);
    if (!shapes.has(shape)) shapes.set(shape, history);
  }
  return shapes;
}

export interface SynthesizeOptions {
  /** The corpus folder (replay-histories/). */
  corpus: string;
  workflowType: string;
  /** Histories of that workflow type from exploration or a time-skipping suite (`handle.fetchHistory()`), any number of each shape. */
  histories: Iterable<History>;
  /** Write the shapes the corpus lacks; without it, only count. */
  write: boolean;
  /** What the manifest records as the code that produced them. */
  codeVersion: string;
}

/**
 * Count the histories' shapes against the corpus; with `write`, add a history of each shape it lacks (named
 * `<workflowType>/<workflowType>-shape-<shape hash>.<runId>.json`, stack traces redacted as the committed
 * corpus is, each journaled before it is written as `tempest histories record` does).
 */
export async function synthesizeCorpus(options: SynthesizeOptions): Promise<ShapeCount> {
  const { corpus, workflowType } = options;
  const shapes = distinctShapes(options.histories);
  const before = await corpusShapes(corpus, workflowType);
  const missing = [...shapes].filter(([shape]) => !before.has(shape));
  const written: string[] = [];
  if (options.write && missing.length > 0) {
    repairManifest(corpus);
    const manifest = readManifest(corpus);
    const entries = new Map(manifest.histories.map((entry) => [entry.file, entry]));
    for (const [shape, history] of missing) {
      const start = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const runId = start?.originalExecutionRunId || start?.firstExecutionRunId || 'run';
      const workflowId = `${workflowType}-shape-${createHash('sha256').update(shape).digest('hex').slice(0, 12)}`;
      const text = `${JSON.stringify(treatStackTraces(JSON.parse(historyFileText(history)), 'redact'), null, 2)}\n`;
      const file = historyPath(workflowType, workflowId, runId);
      const { sdk, buildId } = producer(history);
      const entry: ManifestEntry = {
        file,
        workflowType,
        workflowId,
        runId,
        status: STATUS[WorkflowProgress.of(history).outcome.status],
        eventCount: history.events?.length ?? 0,
        sha256: sha256(text),
        recordedAt: new Date().toISOString(),
        codeVersion: options.codeVersion,
        sdk,
        ...(buildId ? { buildId } : {}),
        stackTraces: 'redacted',
      };
      journalEntry(corpus, entry);
      writeFileAtomic(path.join(corpus, file), text);
      entries.set(file, entry);
      writeManifest(corpus, { schema: manifest.schema, histories: [...entries.values()] });
      clearJournalEntry(corpus, entry);
      written.push(file);
    }
  }
  const after = options.write ? await corpusShapes(corpus, workflowType) : before;
  return {
    workflowType,
    explored: shapes.size,
    corpusBefore: before.size,
    coveredBefore: shapes.size - missing.length,
    written,
    corpusAfter: after.size,
  };
}
