/**
 * `tempest/replay`: record histories from any cluster into a corpus, and replay them against your code to catch
 * non-determinism (and, strictly, drift) before it reaches production.
 */
export { Replayer, WorkflowsModuleError } from './replayer.ts';
export type { ReplayerOptions, ReplayOutcome, ReplayStatus } from './replayer.ts';
export { ClusterUnreachableError, connectToCluster, recordHistories } from './record.ts';
export type { ClusterOptions, RecordEvent, RecordOptions, RecordSummary, Selection } from './record.ts';
export { HistoryFileError, historyFileText, loadHistoryFile, parseHistory } from './history-file.ts';
export type { History, LoadedHistory } from './history-file.ts';
export { findHistoryFiles, readManifest, writeManifest } from './corpus.ts';
export type { Manifest, ManifestEntry } from './corpus.ts';
