/**
 * The workflow bundle is cached between runs, keyed by the content of every file it was built from: the same
 * code is bundled once, and changing any file the workflows import (not only the entry) builds a new bundle.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCorpusHistories } from '../../src/features/replay/corpus';
import { installQuietRuntime } from '../../src/base/harness/worker';
import { type ReplayOutcome, Replayer } from '../../src/features/replay/replayer';
import { REPO_ROOT as PROJECT_ROOT } from '../support/repo';
import { tempestSync } from '../support/cli';

const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
const bundleCache = path.join(cacheRoot, 'bundles');
// The workflows live inside the project (under the ignored .tempest/) so that they resolve @temporalio/workflow.
const code = path.join(PROJECT_ROOT, '.tempest', `bundle-cache-test-${process.pid}`);
mkdirSync(code, { recursive: true });
const replayers: Replayer[] = [];
installQuietRuntime();

afterAll(() => {
  for (const replayer of replayers) replayer.close();
  for (const dir of [code, cacheRoot]) rmSync(dir, { recursive: true, force: true });
});

/** workflows.ts re-exports moneyTransfer from transfer.ts, which takes it from `from`. */
function writeWorkflows(from: string): string {
  writeFileSync(path.join(code, 'workflows.ts'), "export { moneyTransfer } from './transfer';\n");
  writeFileSync(path.join(code, 'transfer.ts'), `export { moneyTransfer } from '${path.join(PROJECT_ROOT, from)}';\n`);
  return path.join(code, 'workflows.ts');
}

async function replayCompleted(workflowsPath: string): Promise<{ replayer: Replayer; outcome: ReplayOutcome }> {
  const histories = await loadCorpusHistories([path.join(PROJECT_ROOT, 'replay-histories', 'moneyTransfer')]);
  const replayer = await Replayer.create({ workflowsPath, bundleCache });
  replayers.push(replayer);
  for await (const outcome of replayer.replay(histories.filter((h) => h.workflowId === 'transfer-corpus-completed')))
    return { replayer, outcome };
  throw new Error('no outcome');
}

describe('the bundle cache', () => {
  it('bundles the same code once, and rebuilds when a file the workflows import changes', async () => {
    const workflows = writeWorkflows('workflows/money-transfer');
    const first = await replayCompleted(workflows);
    const second = await replayCompleted(workflows);
    expect([first.replayer.bundleFromCache, second.replayer.bundleFromCache]).toEqual([false, true]);
    expect([first.outcome.status, second.outcome.status]).toEqual(['passed', 'passed']);

    // Only the imported file changes: the entry is the same, the code is not.
    writeWorkflows('test/fixtures/workflow-changes/activities-reordered');
    const changed = await replayCompleted(workflows);
    expect(changed.replayer.bundleFromCache).toBe(false);
    expect(changed.outcome.status).toBe('nondeterministic');

    // Back to the first code: its bundle is still in the cache.
    writeWorkflows('workflows/money-transfer');
    expect((await replayCompleted(workflows)).replayer.bundleFromCache).toBe(true);
    const [request] = readdirSync(bundleCache);
    expect(readdirSync(path.join(bundleCache, request!)).sort()).toHaveLength(3); // index.json and two bundles
  });

  it('is used by tempest replay under $TEMPEST_CACHE/bundles, and skipped with --no-bundle-cache', () => {
    const env = { TEMPEST_CACHE: path.join(cacheRoot, 'cli') };
    const runs = [[], [], ['--no-bundle-cache']].map((extra) => tempestSync(['replay', 'replay-histories/order', ...extra], { env }));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs.map((r) => /\((bundled|bundle from the cache) in /.exec(r.stdout)?.[1])).toEqual([
      'bundled',
      'bundle from the cache',
      'bundled',
    ]);
    expect(readdirSync(path.join(env.TEMPEST_CACHE, 'bundles'))).toHaveLength(1);
  });
});
