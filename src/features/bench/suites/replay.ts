/**
 * Replay throughput, tempest against the bare SDK, on the same histories in the same run: the committed corpus
 * (replay-histories/) and a set of at least a thousand histories (copies of it). Each sample is histories per
 * second over one whole pass, from nothing to the last outcome, as a CI job would run it:
 * - tempest, cold: an empty bundle cache, so the pass bundles the workflows; lanes start fresh;
 * - tempest, warm: the bundle comes from the cache (the usual case once the code was replayed before);
 * - bare SDK: `Worker.runReplayHistories({ workflowsPath })` in this process, which bundles every time;
 * - bare SDK, prebundled: the same with a bundle built beforehand, the SDK's replay speed alone.
 * The variants take turns within each repetition, so they share the machine's conditions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { loadCorpusHistories } from '../../replay/corpus.ts';
import type { LoadedHistory } from '../../../base/history/history-file.ts';
import { Replayer } from '../../replay/replayer.ts';
import { type Benchmark, benchmark } from '../report.ts';
import type { BenchSuite } from '../suite.ts';

const FULL = { repetitions: { corpus: 5, large: 3 }, largeAtLeast: 1000 };
const QUICK = { repetitions: { corpus: 2, large: 1 }, largeAtLeast: 60 };

type Variant = 'tempest-cold' | 'tempest-warm' | 'bare-sdk' | 'bare-sdk-prebundled';
const VARIANTS: readonly Variant[] = ['tempest-cold', 'tempest-warm', 'bare-sdk', 'bare-sdk-prebundled'];

function failIfNot(passed: boolean, variant: Variant, workflowId: string): void {
  if (!passed) throw new Error(`replay (${variant}): ${workflowId} did not replay clean; fix the corpus before benchmarking it`);
}

async function tempestPass(
  workflowsPath: string,
  histories: readonly LoadedHistory[],
  bundleCache: string,
  variant: Variant,
): Promise<void> {
  const replayer = await Replayer.create({ workflowsPath, bundleCache });
  try {
    for await (const outcome of replayer.replay(histories)) failIfNot(outcome.status === 'passed', variant, outcome.workflowId);
  } finally {
    replayer.close();
  }
}

async function barePass(
  histories: readonly LoadedHistory[],
  workflows: { workflowsPath: string } | { workflowBundle: WorkflowBundle },
): Promise<void> {
  const results = Worker.runReplayHistories(
    { ...workflows, replayName: 'bench-bare-sdk' },
    histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  for await (const result of results) failIfNot(result.error === undefined, 'bare-sdk', result.workflowId);
}

export const replaySuite: BenchSuite = {
  name: 'replay',
  description:
    'replay throughput in histories/s, tempest (cold and warm bundle cache) against the bare SDK, on the committed corpus and on at least 1000 histories',
  async run(context, { quick, progress }) {
    const settings = quick ? QUICK : FULL;
    const corpus = await loadCorpusHistories([context.target.project.corpus]);
    const workflowsPath = context.workflowsPath;
    const copies = Math.ceil(settings.largeAtLeast / corpus.length);
    const large = Array.from({ length: copies }, () => corpus).flat();
    const sets = [
      { name: 'corpus', histories: corpus, repetitions: settings.repetitions.corpus },
      { name: `corpus-x${copies}`, histories: large, repetitions: settings.repetitions.large },
    ];
    const prebundled = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
    const warmCache = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-bundles-'));
    const benchmarks: Benchmark[] = [];
    try {
      await tempestPass(workflowsPath, corpus.slice(0, 1), warmCache, 'tempest-warm');
      for (const set of sets) {
        const samples = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
        progress(`replay: ${set.name}: ${set.histories.length} histories, ${set.repetitions} repetitions of ${VARIANTS.join(', ')}`);
        for (let repetition = 0; repetition < set.repetitions; repetition++) {
          for (const variant of VARIANTS) {
            context.signal.throwIfAborted();
            const coldCache = mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-cold-'));
            const started = performance.now();
            try {
              if (variant === 'tempest-cold') await tempestPass(workflowsPath, set.histories, coldCache, variant);
              else if (variant === 'tempest-warm') await tempestPass(workflowsPath, set.histories, warmCache, variant);
              else if (variant === 'bare-sdk') await barePass(set.histories, { workflowsPath });
              else await barePass(set.histories, { workflowBundle: prebundled });
            } finally {
              rmSync(coldCache, { recursive: true, force: true });
            }
            samples.get(variant)!.push((set.histories.length * 1000) / (performance.now() - started));
          }
        }
        for (const variant of VARIANTS) {
          const values = samples.get(variant)!;
          const median = [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
          progress(`replay: ${set.name} ${variant}: median ${median.toFixed(0)} histories/s`);
          benchmarks.push(
            benchmark({
              suite: 'replay',
              name: `${set.name}/${variant}/throughput`,
              unit: 'histories/s',
              direction: 'higher-is-better',
              samples: values,
              params: {
                histories: set.histories.length,
                cores: os.availableParallelism(),
                bundleCache: variant.startsWith('tempest') ? variant.slice('tempest-'.length) : 'none',
                timer: 'performance.now',
              },
            }),
          );
        }
      }
    } finally {
      rmSync(warmCache, { recursive: true, force: true });
    }
    return { benchmarks };
  },
};
