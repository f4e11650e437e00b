/**
 * `npm run corpus`: the packaged workflows' corpus, reproduced. Runs every branch of moneyTransfer, orderSaga and
 * order on the project's system started locally (the pinned dev server, the real services, workers), then records
 * their histories with the same recorder a team points at its own cluster, through tempest's public API.
 *
 *   node --import ./scripts/register.mjs scripts/corpus.ts [--out <dir>] [--only <workflowId>,...]
 *
 * `--only` runs and records just those branches, replacing their histories and leaving every other one alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadProject } from 'tempest';
import { loadSystem } from 'tempest/chaos';
import { readManifest, recordHistories, type RecordSummary, writeManifest } from 'tempest/replay';
import { startLocalSystem } from 'tempest/testing';
import { BankClient } from '../services/bank/client';
import { StoreClient } from '../services/store/client';
import { BRANCHES, EARLIER_BRANCHES, PACKAGED_WORKFLOW_TYPES } from './corpus-branches';

const PACKAGED = new Set<string>(PACKAGED_WORKFLOW_TYPES);

/** The checkout's commit, marked -dirty when the workflows or activities have uncommitted changes. */
function gitCodeVersion(root: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'workflows', 'activities'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * Run the branches on the system started locally and record their histories into `outDir`. Without `only`, the
 * packaged workflows' earlier corpus is replaced (histories of other workflow types, and those of branches earlier
 * versions had, are left alone); with it, only those branches' histories are.
 */
async function producePackagedCorpus(outDir?: string, only?: readonly string[]): Promise<RecordSummary> {
  const unknown = only?.filter((id) => !BRANCHES.some((b) => b.workflowId === id));
  if (unknown?.length)
    throw new Error(`--only: no branch ${unknown.join(', ')} (the branches: ${BRANCHES.map((b) => b.workflowId).join(', ')})`);
  const branches = only ? BRANCHES.filter((b) => only.includes(b.workflowId)) : BRANCHES;
  const replaced = (entry: { workflowType: string; workflowId: string }): boolean =>
    only ? only.includes(entry.workflowId) : PACKAGED.has(entry.workflowType) && !EARLIER_BRANCHES.includes(entry.workflowId);
  const project = await loadProject();
  const corpus = outDir ?? project.corpus;
  const system = await loadSystem(project);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tempest-corpus-'));
  const local = await startLocalSystem({ system, projectRoot: project.root, dataDir });
  try {
    const bank = new BankClient({ baseUrl: local.parts.bank!.url });
    const store = new StoreClient({ baseUrl: local.parts.store!.url });
    await Promise.all([
      bank.openAccount({ accountId: 'corpus-alice', balance: 100_000 }),
      bank.openAccount({ accountId: 'corpus-bob', balance: 50_000 }),
      bank.openAccount({ accountId: 'corpus-carol', balance: 1_000 }),
      store.setStock({ sku: 'corpus-tee', available: 100 }),
      store.openCustomer({ customerId: 'corpus-ada', credit: 100_000 }),
      store.openCustomer({ customerId: 'corpus-bo', credit: 500 }),
    ]);
    process.stderr.write(`running ${branches.length} executions on ${local.temporal.address} (retries take real time: about 30 s)\n`);
    await Promise.all(
      branches.map(async (branch) => {
        await branch.before?.({ bank, store });
        const handle = await branch.start(local.client);
        await branch.drive?.(handle);
        await handle.result().catch(() => undefined); // failures are branches too
      }),
    );

    const manifest = readManifest(corpus);
    for (const entry of manifest.histories.filter(replaced)) rmSync(path.join(corpus, entry.file), { force: true });
    writeManifest(corpus, { ...manifest, histories: manifest.histories.filter((e) => !replaced(e)) });

    return await recordHistories({
      cluster: { address: local.temporal.address, namespace: 'default' },
      selection: { workflowIds: branches.map((b) => b.workflowId), limit: branches.length },
      outDir: corpus,
      codeVersion: gitCodeVersion(project.root),
      stackTraces: 'redact', // the corpus is committed: no machine paths in it
      onEvent: (event) => {
        if (event.type === 'recorded')
          process.stderr.write(
            `[${event.done}/${event.total}] ${event.changed ? 'recorded ' : 'unchanged'} ${event.entry.workflowType} ${event.entry.workflowId}\n`,
          );
        if (event.type === 'failed') process.stderr.write(`[${event.done}/${event.total}] FAILED ${event.workflowId}: ${event.error}\n`);
      },
    });
  } finally {
    await local.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
const summary = await producePackagedCorpus(
  values.out,
  values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean),
);
process.stdout.write(`${summary.recorded.length} recorded, ${summary.unchanged} unchanged, ${summary.failures.length} failed\n`);
process.exitCode = summary.failures.length === 0 ? 0 : 1;
