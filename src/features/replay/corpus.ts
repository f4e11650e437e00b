/**
 * The history corpus on disk: `<root>/<workflowType>/<workflowId>.<runId>.json`, one file per execution, and
 * `<root>/manifest.json` describing each. Files exported with the Temporal CLI or Web UI (.json, or .jsonl with
 * one history per line) can be dropped in anywhere under the root; the manifest is optional for replay.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { oneLine, UsageError } from '../../base/errors.ts';
import { writeFileAtomic } from '../../base/files.ts';
import { HistoryFileError, type LoadedHistory, loadHistoryFile, parseHistory } from '../../base/history/history-file.ts';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SCHEMA = 'tempest.histories/v1';

export interface ManifestEntry {
  /** Path of the history file, relative to the corpus root, with forward slashes. */
  file: string;
  workflowType: string;
  workflowId: string;
  runId: string;
  /** Execution status when recorded: completed, failed, running, ... */
  status: string;
  eventCount: number;
  /** sha256 of the file's bytes. */
  sha256: string;
  recordedAt: string;
  /** The code that produced the history: a git sha, or what the recorder was told (--code-version). */
  codeVersion: string;
  /** From the history's first workflow task completion. */
  sdk: { name: string; version: string };
  /** The producing worker's build id as the history recorded it (by default the SDK version and bundle checksum). */
  buildId?: string;
  /** Payload fields that were redacted before writing. */
  redactedFields?: string[];
  /** What recording did to failure stack traces (absent: kept as the server has them). */
  stackTraces?: 'stripped' | 'redacted';
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  histories: ManifestEntry[];
}

/** Characters safe in a file name on every platform; anything else in a workflow id becomes `_`. */
export function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function historyPath(workflowType: string, workflowId: string, runId: string): string {
  return `${safeFileName(workflowType)}/${safeFileName(workflowId)}.${safeFileName(runId)}.json`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readManifest(root: string): Manifest {
  const file = path.join(root, MANIFEST_FILE);
  if (!existsSync(file)) return { schema: MANIFEST_SCHEMA, histories: [] };
  let parsed: Partial<Manifest>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${oneLine(error)}`, { cause: error });
  }
  if (parsed.schema !== MANIFEST_SCHEMA || !Array.isArray(parsed.histories)) {
    throw new Error(`${file}: not a tempest history manifest (expected "schema": "${MANIFEST_SCHEMA}" and a "histories" array)`);
  }
  return parsed as Manifest;
}

const PARTIAL = /^\..+\.partial-\d+$/;

/** Delete the hidden temporary files that a killed writer left under `root`. Returns how many. */
export function removeStalePartials(root: string): number {
  if (!existsSync(root)) return 0;
  const stale = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((entry) => PARTIAL.test(path.basename(entry)));
  for (const entry of stale) rmSync(path.join(root, entry), { force: true });
  return stale.length;
}

/**
 * The journal: before a history file is written, its manifest entry is written to `<root>/.journal/` and removed
 * once the manifest has it. A writer killed in between (even by SIGKILL) leaves the entry behind, so the next run
 * can put it into the manifest when the file it describes is there, whole, with that content.
 */
const JOURNAL_DIR = '.journal';

function journalFile(root: string, entry: Pick<ManifestEntry, 'file'>): string {
  return path.join(root, JOURNAL_DIR, `${sha256(entry.file).slice(0, 32)}.json`);
}

export function journalEntry(root: string, entry: ManifestEntry): void {
  writeFileAtomic(journalFile(root, entry), `${JSON.stringify(entry)}\n`);
}

export function clearJournalEntry(root: string, entry: Pick<ManifestEntry, 'file'>): void {
  rmSync(journalFile(root, entry), { force: true });
}

/**
 * Make the manifest agree with the files after an interrupted run: entries a killed writer journaled for files it
 * did write are added, entries whose file is gone are dropped. Returns what it repaired, one line each.
 */
export function repairManifest(root: string): string[] {
  const journal = path.join(root, JOURNAL_DIR);
  const manifest = readManifest(root);
  const entries = new Map(manifest.histories.map((entry) => [entry.file, entry]));
  const repaired: string[] = [];
  for (const name of existsSync(journal) ? readdirSync(journal).filter((n) => n.endsWith('.json')) : []) {
    let entry: ManifestEntry | undefined;
    try {
      entry = JSON.parse(readFileSync(path.join(journal, name), 'utf8')) as ManifestEntry;
    } catch {
      // a journal entry cut short: its file was not written yet either
    }
    const target = entry && path.join(root, entry.file);
    if (
      entry &&
      target &&
      existsSync(target) &&
      sha256(readFileSync(target, 'utf8')) === entry.sha256 &&
      entries.get(entry.file)?.sha256 !== entry.sha256
    ) {
      entries.set(entry.file, entry);
      repaired.push(`${entry.file}: written by an interrupted run; its entry is now in ${MANIFEST_FILE}`);
    }
    rmSync(path.join(journal, name), { force: true });
  }
  for (const entry of [...entries.values()]) {
    if (!existsSync(path.join(root, entry.file))) {
      entries.delete(entry.file);
      repaired.push(`${entry.file}: listed in ${MANIFEST_FILE} but missing; its entry is removed`);
    }
  }
  if (repaired.length > 0) writeManifest(root, { schema: manifest.schema, histories: [...entries.values()] });
  return repaired;
}

export function writeManifest(root: string, manifest: Manifest): void {
  const histories = [...manifest.histories].sort((a, b) => a.file.localeCompare(b.file));
  writeFileAtomic(path.join(root, MANIFEST_FILE), `${JSON.stringify({ schema: MANIFEST_SCHEMA, histories }, null, 2)}\n`);
}

/**
 * Expand files, directories (every *.json and *.jsonl under them, except manifests and hidden files) and globs
 * into history files, sorted and without duplicates. A path that matches nothing is an error naming it.
 */
export async function findHistoryFiles(inputs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const input of inputs) {
    const expanded = existsSync(input)
      ? statSync(input).isDirectory()
        ? await glob(['**/*.json', '**/*.jsonl'], { cwd: input, absolute: true })
        : [path.resolve(input)]
      : await glob(input, { absolute: true });
    const matches = expanded.filter((file) => path.basename(file) !== MANIFEST_FILE);
    if (matches.length === 0) throw new Error(`${input}: no such file, and no history files match it`);
    for (const match of matches) found.add(path.normalize(match));
  }
  return [...found].sort();
}

/** The manifest at `root`, or undefined when there is none or the file there is not a tempest manifest. */
function corpusManifestAt(root: string): Manifest | undefined {
  try {
    return readManifest(root);
  } catch {
    return undefined; // someone else's manifest.json: not ours to judge
  }
}

/**
 * Manifest entries by absolute file path. A recorded history lives at `<root>/<workflowType>/<file>`, so its
 * manifest is `<root>/manifest.json`, two levels up: only there is one looked for, and only a tempest manifest
 * that lists the file is used (an unrelated manifest.json further up is none of replay's business).
 */
export function manifestIndex(files: readonly string[]): Map<string, ManifestEntry> {
  const index = new Map<string, ManifestEntry>();
  const roots = new Set(files.map((file) => path.dirname(path.dirname(file))));
  const wanted = new Set(files);
  for (const root of roots) {
    for (const entry of corpusManifestAt(root)?.histories ?? []) {
      const file = path.join(root, entry.file);
      if (wanted.has(file)) index.set(file, entry);
    }
  }
  return index;
}

/** Every unusable history at once, one line each; anything but a HistoryFileError is thrown as it is. */
export function throwHistoryProblems(problems: readonly Error[]): never {
  const unexpected = problems.find((p) => !(p instanceof HistoryFileError));
  if (unexpected) throw unexpected;
  throw new UsageError(problems.map((p) => p.message).join('\n'), { cause: problems[0] });
}

/**
 * One of `count` parts of a corpus (index 1 to count), for a CI matrix: every machine lists the same histories in
 * the same order (the sorted files, each line of a .jsonl export on its own) and replays every count-th one, starting
 * at its index. The same inputs split the same way on every machine, the parts never overlap, and together they are
 * the whole corpus; their sizes differ by one at most.
 */
export interface Shard {
  index: number;
  count: number;
}

/** `--shard 2/4`, checked: a UsageError naming the flag when it is not i/n with 1 <= i <= n. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || count < 1 || count > 10_000 || index < 1 || index > count)
    throw new UsageError(`--shard must be i/n, this machine's part of n (1 <= i <= n <= 10000), such as 1/4, got '${text}'`);
  return { index, count };
}

/** The history sources of `files` in the one order every shard agrees on: a .json file, or each non-empty line of a .jsonl. */
type HistorySource = { file: string } | { file: string; line: number; text: string };

async function historySources(files: readonly string[]): Promise<{ sources: HistorySource[]; problems: Error[] }> {
  const sources: HistorySource[] = [];
  const problems: Error[] = [];
  for (const file of files) {
    if (!file.endsWith('.jsonl')) {
      sources.push({ file });
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(new HistoryFileError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? oneLine(error)}`));
      continue;
    }
    const lines = text.split('\n').flatMap((line, i) => (line.trim() === '' ? [] : [{ file, line: i + 1, text: line }]));
    if (lines.length === 0) problems.push(new HistoryFileError(file, 'not a Temporal history export: the file has no lines'));
    sources.push(...lines);
  }
  return { sources, problems };
}

/** The sources of one shard: every count-th, from its index. */
export function shardOf<T>(sources: readonly T[], shard: Shard | undefined): T[] {
  return shard ? sources.filter((_, i) => i % shard.count === shard.index - 1) : [...sources];
}

export interface CorpusPart {
  histories: LoadedHistory[];
  /** How many histories the inputs hold in all shards together. */
  total: number;
}

/**
 * The histories of files, directories and globs (only `shard`'s part of them, when given), every one loaded
 * first: a file that is not a usable history stops the run before anything is replayed.
 */
export async function loadCorpusPart(inputs: readonly string[], options: { shard?: Shard } = {}): Promise<CorpusPart> {
  let files: string[];
  try {
    files = await findHistoryFiles(inputs);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const { sources, problems } = await historySources(files);
  const mine = shardOf(sources, options.shard);
  const manifest = manifestIndex(files.filter((file) => !file.endsWith('.jsonl')));
  const loaded = await Promise.allSettled(
    mine.map(async (source) =>
      'line' in source
        ? parseHistory(`${source.file}:${source.line}`, source.text)
        : loadHistoryFile(source.file, manifest.get(source.file)?.workflowId),
    ),
  );
  problems.push(...loaded.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : [])));
  if (problems.length > 0) throwHistoryProblems(problems);
  return { histories: loaded.map((r) => (r as PromiseFulfilledResult<LoadedHistory>).value), total: sources.length };
}

/** Every history of files, directories and globs, loaded first: a file that is not a usable history stops the run before anything is replayed. */
export async function loadCorpusHistories(inputs: readonly string[]): Promise<LoadedHistory[]> {
  return (await loadCorpusPart(inputs)).histories;
}
