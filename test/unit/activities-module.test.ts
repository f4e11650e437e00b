/**
 * An activities module checked when it loads, before any part or cluster starts: called the way a worker calls it
 * (createActivities({ parts }), its context watched), and what comes back checked. Each mistake is one line naming
 * the module; the packaged module and the chaos fixtures (each a real bug that only faults show) pass.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callCreateActivities } from '../../src/base/harness/system-parts';
import { activityTypesInCorpus, checkWorkerCode } from '../../src/entries/cli/project';
import { REPO_ROOT } from '../support/repo';

const at = (relative: string): string => path.join(REPO_ROOT, relative);
const code = (name: string): string => at(`test/fixtures/bad-systems/code/${name}`);
const WORKFLOWS = at('workflows/index.ts');
const CORPUS = at('replay-histories');
const PARTS = { bank: { host: '127.0.0.1', port: 9, address: '127.0.0.1:9', url: 'http://127.0.0.1:9' } };

/** checkWorkerCode of the packaged workflows and `activities`, as `tempest chaos run --activities` calls it. */
const check = (activities: string): Promise<string[]> =>
  checkWorkerCode({ workflowsPath: WORKFLOWS, activitiesPath: activities, parts: ['bank', 'store'], corpus: CORPUS });

describe('an activities module that could never serve a worker: one line naming it, before anything starts', () => {
  it('the module that builds activities from clients (createActivities({ bank, store })), given where workers load createActivities({ parts })', async () => {
    await expect(check(at('activities/index.ts'))).rejects.toThrow(
      /^activities\/index\.ts: createActivities read context\.bank, context\.store, which its context does not have \(a worker calls createActivities\(\{ parts \}\) with parts bank, store\); is this the module your workers load\?$/,
    );
  });

  it('a createActivities that throws: its message and first frame', async () => {
    await expect(check(code('create-activities-throws.ts'))).rejects.toThrow(
      'test/fixtures/bad-systems/code/create-activities-throws.ts: createActivities threw: no database configured (at createActivities (test/fixtures/bad-systems/code/create-activities-throws.ts:3:9))',
    );
  });

  it('a value that is not an activity function', async () => {
    await expect(check(code('activities-not-functions.ts'))).rejects.toThrow(
      'test/fixtures/bad-systems/code/activities-not-functions.ts: createActivities returned deposit (a string): every value must be an activity function',
    );
  });

  it("an activity the corpus's histories schedule, missing", async () => {
    await expect(check(code('activities-without-refund.ts'))).rejects.toThrow(
      /^test\/fixtures\/bad-systems\/code\/activities-without-refund\.ts: the workflows schedule refund, which createActivities does not return \(it returns withdraw, deposit, reserveInventory, /,
    );
  });
});

describe('modules that serve: the packaged one, and the fixtures whose bugs only faults or calls show', () => {
  it.each([
    'activities/worker.ts',
    'test/fixtures/chaos/deposit-key-per-attempt.ts',
    'test/fixtures/chaos/keys-in-worker-memory.ts',
    'test/fixtures/chaos/withdraw-broken-activities.ts',
    'test/fixtures/bad-systems/code/activities-throw-type-error.ts',
  ])('%s', async (module) => {
    await expect(check(at(module))).resolves.toEqual(['moneyTransfer', 'order', 'orderSaga']);
  });

  it('a createActivities that connects at once: refused at load is no verdict (the worker builds it against the running parts)', async () => {
    const connects = async ({ parts }: { parts: Record<string, { url: string }> }) => {
      await fetch(parts.bank!.url);
      return { withdraw: async () => 'w' };
    };
    await expect(callCreateActivities(connects, PARTS, 'connects.ts', { atLoad: true })).resolves.toBeUndefined();
    await expect(callCreateActivities(connects, PARTS, 'connects.ts')).rejects.toThrow(
      /^connects\.ts: createActivities threw: fetch failed/,
    );
  });
});

describe('the activity types the corpus schedules', () => {
  it('are those of its histories of the workflow types the module exports, and nothing when it has none of them', () => {
    expect(activityTypesInCorpus(CORPUS, ['moneyTransfer'])).toEqual(['deposit', 'refund', 'withdraw']);
    expect(activityTypesInCorpus(CORPUS, ['somethingElse'])).toEqual([]);
    expect(activityTypesInCorpus(at('no-such-corpus'), ['moneyTransfer'])).toEqual([]);
  });
});
