/**
 * Counted costs of the workflows a run measured: from each workflow's history (events, bytes, workflow tasks,
 * activities, attempts: base/history/costs.ts) and from the worker meters (activity executions, requests to each
 * part), as histograms per workload. Fetching is bounded (a sample of the workflows, a few histories at a time);
 * turning counts into report entries is pure.
 */
import type { Client } from '@temporalio/client';
import { type HistoryCosts, historyCosts } from '../../base/history/costs.ts';
import type { WorkflowMeter } from '../../base/harness/worker-meter.ts';
import { histogramOf } from './counts.ts';
import type { CountedBenchmark } from './report.ts';

/** What one workflow cost. */
export interface WorkflowCost {
  history: HistoryCosts;
  /** What a metered worker counted of it (absent when its worker was not metered). */
  meter?: WorkflowMeter;
}

/** At most this many workflows of a side and workload are counted: enough for an exact median and a rank test. */
export const COUNTED_WORKFLOWS = 160;

/** Up to `most` ids spread evenly over the list (first and last included), so every part of the run is counted. */
export function sampleIds(ids: readonly string[], most = COUNTED_WORKFLOWS): string[] {
  if (ids.length <= most) return [...ids];
  return Array.from({ length: most }, (_, i) => ids[Math.round((i * (ids.length - 1)) / (most - 1))]!);
}

/** Fetch and count the histories of `ids` (a few at a time), with what the meter saw of each. */
export async function countWorkflows(
  client: Client,
  ids: readonly string[],
  meters: ReadonlyMap<string, WorkflowMeter> | undefined,
  atOnce = 8,
): Promise<WorkflowCost[]> {
  const costs: WorkflowCost[] = [];
  for (let i = 0; i < ids.length; i += atOnce) {
    const batch = await Promise.all(
      ids.slice(i, i + atOnce).map(async (id) => {
        const history = historyCosts(await client.workflow.getHandle(id).fetchHistory());
        const meter = meters?.get(id);
        return { history, ...(meters ? { meter: meter ?? { activities: 0, requests: {} } } : {}) };
      }),
    );
    costs.push(...batch);
  }
  return costs;
}

interface CountedMetric {
  name: string;
  unit: string;
  tolerancePercent: number;
  value: (cost: WorkflowCost) => number | undefined;
}

function countedMetrics(parts: readonly string[]): CountedMetric[] {
  const history = (name: string, unit: string, key: keyof HistoryCosts, tolerancePercent = 0): CountedMetric => ({
    name,
    unit,
    tolerancePercent,
    value: (cost) => cost.history[key],
  });
  return [
    history('history-events', 'events/workflow', 'events'),
    // Protobuf varints of timestamps and ids that grow during a run move a history by a few bytes.
    history('history-bytes', 'bytes/workflow', 'bytes', 1),
    history('workflow-tasks', 'workflow tasks/workflow', 'workflowTasks'),
    history('activities', 'activities/workflow', 'activities'),
    history('activity-attempts', 'attempts/workflow', 'activityAttempts'),
    { name: 'activity-executions', unit: 'executions/workflow', tolerancePercent: 0, value: (cost) => cost.meter?.activities },
    ...parts.map((part): CountedMetric => ({
      name: `requests/${part}`,
      unit: 'requests/workflow',
      tolerancePercent: 0,
      value: (cost) => (cost.meter ? (cost.meter.requests[part] ?? 0) : undefined),
    })),
  ];
}

/**
 * A workload's counted costs as report entries: `<suite>/<workload>/<metric>` (suite `costs`, or `costs-services` for
 * the services cluster's throughput suite). `base` is given in an A/B run. A
 * metric is left out when a workflow has no value for it (no meter: a worker that was not metered).
 */
export function countedBenchmarks(
  workload: string,
  sides: { head: readonly WorkflowCost[]; base?: readonly WorkflowCost[] },
  parts: readonly string[],
  suite = 'costs',
): CountedBenchmark[] {
  return countedMetrics(parts).flatMap((metric): CountedBenchmark[] => {
    const values = (costs: readonly WorkflowCost[]): number[] | undefined => {
      const list = costs.map(metric.value);
      return list.some((v) => v === undefined) ? undefined : (list as number[]);
    };
    const head = values(sides.head);
    const base = sides.base && values(sides.base);
    if (!head || head.length === 0 || (sides.base && (!base || base.length === 0))) return [];
    return [
      {
        id: `${suite}/${workload}/${metric.name}`,
        suite,
        name: `${workload}/${metric.name}`,
        unit: metric.unit,
        workflows: histogramOf(head),
        ...(base ? { baseWorkflows: histogramOf(base) } : {}),
        tolerancePercent: metric.tolerancePercent,
        params: { workflow: workload, metric: metric.name },
      },
    ];
  });
}
