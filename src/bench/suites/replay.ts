/**
 * Replay throughput: how fast `tempest replay` gets through the committed corpus (replay-histories/), and what
 * bundling the workflow code costs, which every replay run pays once. Timed per iteration by tinybench with raw
 * samples retained: one iteration replays every history in the corpus (plain, then strict), or bundles once.
 */
import { Bench } from 'tinybench';
import { loadHistories } from '../../cli/commands/replay.ts';
import { Replayer } from '../../replay/replayer.ts';
import { benchmark } from '../report.ts';
import type { BenchSuite } from '../suite.ts';

const FULL = { time: 5_000, iterations: 15, warmupTime: 500, warmupIterations: 2 };
const QUICK = { time: 200, iterations: 3, warmupTime: 0, warmupIterations: 1 };

export const replaySuite: BenchSuite = {
  name: 'replay',
  description: 'replay of the committed history corpus (plain and strict): ms per pass over every history; and the cost of bundling the workflows',
  async run(context, { quick, progress }) {
    const options = quick ? QUICK : FULL;
    const histories = await loadHistories([context.target.project.corpus]);
    const PACKAGED_WORKFLOWS = context.workflowsPath;
    const [plain, strict] = await Promise.all([Replayer.create({ workflowsPath: PACKAGED_WORKFLOWS }), Replayer.create({ workflowsPath: PACKAGED_WORKFLOWS, strict: true })]);
    const replayAll = async (replayer: Replayer): Promise<void> => {
      for await (const outcome of replayer.replay(histories)) {
        if (outcome.status !== 'passed') throw new Error(`replay: ${outcome.workflowId} did not replay clean (${outcome.status}); fix the corpus before benchmarking it`);
      }
    };
    const bench = new Bench({ ...options, retainSamples: true, throws: true, signal: context.signal });
    bench.add('corpus-pass', () => replayAll(plain));
    bench.add('corpus-pass-strict', () => replayAll(strict));
    bench.add('bundle', async () => void (await Replayer.create({ workflowsPath: PACKAGED_WORKFLOWS })));
    progress(`replay: timing a pass over ${histories.length} histories (plain, strict) and bundling the workflows`);
    await bench.run();
    return bench.tasks.map((task) => {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`replay: ${task.name} ${result.state}${result.state === 'errored' ? `: ${result.error.message}` : ''}`);
      const samples = [...(result.latency.samples ?? [])];
      const perPass = task.name !== 'bundle';
      progress(
        perPass
          ? `replay: ${task.name}: median ${result.latency.p50.toFixed(0)} ms per pass, ${((histories.length * 1000) / result.latency.p50).toFixed(0)} histories/s`
          : `replay: bundle: median ${result.latency.p50.toFixed(0)} ms`,
      );
      return benchmark({
        suite: 'replay',
        name: perPass ? `${task.name}/latency` : 'bundle/latency',
        unit: 'ms',
        direction: 'lower-is-better',
        samples,
        params: { histories: perPass ? histories.length : 0, strict: task.name === 'corpus-pass-strict', timer: 'tinybench', timestampProvider: result.timestampProviderName },
      });
    });
  },
};
