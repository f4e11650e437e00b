/**
 * Counted costs compare exactly: one more activity per workflow is a regression with certainty, whatever the load;
 * a few workflows that load gave a retry are not; a change in some workflows only is found by its rank test.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyCosts } from '../../src/base/history/costs';
import { loadHistoryFile } from '../../src/base/history/history-file';
import { countedBenchmarks, sampleIds } from '../../src/features/bench/costs';
import { addHistograms, compareCounts, histogramOf, histogramValues } from '../../src/features/bench/counts';
import { REPO_ROOT } from '../support/repo';

const corpus = (name: string): string => path.join(REPO_ROOT, 'replay-histories', 'moneyTransfer', name);

describe('historyCosts', () => {
  it('counts a completed transfer: 17 events, 3 workflow tasks, 2 activities, 2 attempts, its bytes', async () => {
    const { history } = await loadHistoryFile(corpus('transfer-corpus-completed.01a20ae3-f17e-7339-beb3-989aa8c0f049.json'));
    expect(historyCosts(history)).toMatchObject({ events: 17, workflowTasks: 3, activities: 2, activityAttempts: 2, timers: 0 });
    expect(historyCosts(history).bytes).toBeGreaterThan(1000);
  });

  it('counts the attempts a retried deposit took (the history keeps its last start, attempt 3)', async () => {
    const { history } = await loadHistoryFile(corpus('transfer-corpus-deposit-retried.01a20ae3-f185-79ff-84f4-ff303cc7d7ec.json'));
    expect(historyCosts(history)).toMatchObject({ activities: 2, activityAttempts: 4 });
  });
});

describe('compareCounts', () => {
  const same = (value: number, n: number): Record<string, number> => histogramOf(Array<number>(n).fill(value));

  it('one more activity per workflow is a regression with certainty: median 2 -> 3', () => {
    const judgement = compareCounts(same(2, 160), same(3, 160));
    expect(judgement).toMatchObject({ status: 'regression', reason: 'median 2 -> 3 per workflow', baseMedian: 2, headMedian: 3 });
  });

  it('equal counts are unchanged, and one fewer an improvement', () => {
    expect(compareCounts(same(19, 12), same(19, 12))).toMatchObject({ status: 'unchanged', reason: 'median 19 both' });
    expect(compareCounts(same(25, 12), same(19, 12)).status).toBe('improvement');
  });

  it('a retry that load gave to a few workflows of a side is no regression', () => {
    const base = addHistograms(same(2, 157), same(3, 3));
    const head = addHistograms(same(2, 154), same(3, 6));
    const judgement = compareCounts(base, head);
    expect(judgement.status).toBe('unchanged');
    expect(judgement.offMedian.head).toBeCloseTo(6 / 160, 10);
  });

  it('finds a change in some workflows only (a third now call one more activity), though the median holds', () => {
    const judgement = compareCounts(same(2, 160), addHistograms(same(2, 107), same(3, 53)));
    expect(judgement.status).toBe('regression');
    expect(judgement.reason).toMatch(/^some workflows: mean 2\.00 -> 2\.33 \(one-sided p /);
  });

  it('history bytes within their 1% tolerance are unchanged (ids and timestamps grow by a few bytes)', () => {
    expect(compareCounts(same(3040, 12), same(3046, 12), 1).status).toBe('unchanged');
    expect(compareCounts(same(3046, 12), same(3955, 12), 1).status).toBe('regression');
  });

  it('cannot judge a side that counted no workflows', () => {
    expect(compareCounts({}, same(2, 3))).toMatchObject({ status: 'cannot-judge', reason: 'the base counted no workflows' });
  });
});

describe('histograms', () => {
  it('keep one key per value and expand back in ascending order', () => {
    expect(histogramOf([3, 2, 3, 3])).toEqual({ '2': 1, '3': 3 });
    expect(histogramValues({ '10': 1, '9': 2 })).toEqual([9, 9, 10]);
  });
});

describe('countedBenchmarks', () => {
  const cost = (activities: number, bank: number) => ({
    history: { events: 17, bytes: 3000, workflowTasks: 3, activities, activityAttempts: activities, timers: 0 },
    meter: { activities, requests: { bank } },
  });

  it('gives each metric of a workload as costs/<workload>/<metric>, both sides in an A/B run', () => {
    const counted = countedBenchmarks('moneyTransfer', { base: [cost(2, 2), cost(2, 2)], head: [cost(3, 3), cost(3, 3)] }, [
      'bank',
      'store',
    ]);
    expect(counted.map((c) => c.id)).toEqual([
      'costs/moneyTransfer/history-events',
      'costs/moneyTransfer/history-bytes',
      'costs/moneyTransfer/workflow-tasks',
      'costs/moneyTransfer/activities',
      'costs/moneyTransfer/activity-attempts',
      'costs/moneyTransfer/activity-executions',
      'costs/moneyTransfer/requests/bank',
      'costs/moneyTransfer/requests/store',
    ]);
    expect(counted.find((c) => c.id.endsWith('/requests/bank'))).toMatchObject({ baseWorkflows: { '2': 2 }, workflows: { '3': 2 } });
    expect(counted.find((c) => c.id.endsWith('/requests/store'))!.workflows).toEqual({ '0': 2 });
    expect(counted.find((c) => c.id.endsWith('/history-bytes'))!.tolerancePercent).toBe(1);
  });

  it('leaves out what a worker without a meter could not count', () => {
    const counted = countedBenchmarks('moneyTransfer', { head: [{ history: cost(2, 2).history }] }, ['bank']);
    expect(counted.map((c) => c.name)).toEqual([
      'moneyTransfer/history-events',
      'moneyTransfer/history-bytes',
      'moneyTransfer/workflow-tasks',
      'moneyTransfer/activities',
      'moneyTransfer/activity-attempts',
    ]);
  });
});

describe('sampleIds', () => {
  it('spreads the sample over the whole run, first and last included', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `w${i}`);
    const sample = sampleIds(ids, 5);
    expect(sample).toEqual(['w0', 'w250', 'w500', 'w749', 'w999']);
    expect(sampleIds(ids.slice(0, 3), 5)).toEqual(['w0', 'w1', 'w2']);
  });
});
