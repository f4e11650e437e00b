/**
 * `tempest/replay`: record histories from any cluster into a corpus, and replay them against your code to catch
 * non-determinism (and, strictly, drift) before it reaches production.
 */
export { Replayer } from '../../features/replay/replayer.ts';
export type { ReplayerOptions, ReplayOutcome, ReplayStatus } from '../../features/replay/replayer.ts';
export { connectToCluster, recordHistories } from '../../features/replay/record.ts';
export type { ClusterOptions, RecordEvent, RecordOptions, RecordSummary, Selection } from '../../features/replay/record.ts';
export { HistoryFileError, historyFileText, loadHistoryFile, parseHistory } from '../../base/history/history-file.ts';
export type { History, LoadedHistory } from '../../base/history/history-file.ts';
export { findHistoryFiles, readManifest, writeManifest } from '../../features/replay/corpus.ts';
export type { Manifest, ManifestEntry } from '../../features/replay/corpus.ts';
