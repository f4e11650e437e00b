/**
 * Histories straight from a cluster, for replaying without writing a corpus first (a deploy-time check):
 * the executions a visibility query or workflow ids select, their histories downloaded concurrently and checked
 * as history files are. Each is named `<address>/<namespace>/<workflowId>/<runId>` in reports.
 */
import { Client } from '@temporalio/client';
import { HistoryFileError, type LoadedHistory, loadedHistory } from '../../base/history/history-file.ts';
import { type ClusterOptions, connectToCluster, type Execution, type Selection, selectExecutions } from './record.ts';

export interface ClusterHistories {
  histories: LoadedHistory[];
  /** Histories that are not usable for replay, each naming the execution. */
  problems: HistoryFileError[];
}

export async function fetchClusterHistories(options: {
  cluster: ClusterOptions;
  selection: Selection;
  concurrency?: number;
}): Promise<ClusterHistories> {
  const connection = await connectToCluster(options.cluster);
  try {
    const client = new Client({ connection, namespace: options.cluster.namespace });
    const executions = await selectExecutions(client, options.selection);
    const histories: (LoadedHistory | undefined)[] = new Array(executions.length);
    const problems: HistoryFileError[] = [];
    const fetchOne = async (execution: Execution, index: number): Promise<void> => {
      const source = `${options.cluster.address}/${options.cluster.namespace}/${execution.workflowId}/${execution.runId}`;
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      try {
        histories[index] = loadedHistory(source, history, execution.workflowId);
      } catch (error) {
        if (!(error instanceof HistoryFileError)) throw error;
        problems.push(error);
      }
    };
    let next = 0;
    const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, executions.length)) }, async () => {
      for (let index = next++; index < executions.length; index = next++) await fetchOne(executions[index]!, index);
    });
    await Promise.all(workers);
    return { histories: histories.filter((h): h is LoadedHistory => h !== undefined), problems };
  } finally {
    await connection.close();
  }
}
