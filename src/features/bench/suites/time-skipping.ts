/**
 * Time-skipping test throughput: how fast workflow tests run in the pinned time-skipping test server, with the
 * system's real parts. Each workload in this suite runs one workflow at a time (time skipping is global to the
 * server), timed per iteration by tinybench with its raw samples retained. A workload whose workflow waits on a
 * long timer (a day-long approval, say) shows the cost of a test that skips that time; its `expect` proves the
 * timer really fired.
 */
import { Bench } from 'tinybench';
import { WorkerGroup } from '../../../base/harness/worker.ts';
import { prepareWorkloads } from '../end-to-end.ts';
import { benchmark } from '../report.ts';
import type { BenchSuite } from '../suite.ts';

const FULL = { time: 4_000, iterations: 30, warmupTime: 500, warmupIterations: 5 };
const QUICK = { time: 300, iterations: 10, warmupTime: 0, warmupIterations: 2 };

export const timeSkippingSuite: BenchSuite = {
  name: 'time-skipping',
  description: "the project's workloads as workflow tests in the time-skipping test server: ms per workflow",
  async run(context, { quick, progress }) {
    const options = quick ? QUICK : FULL;
    const workloads = context.workloadsFor('time-skipping');
    if (workloads.length === 0) return { benchmarks: [] };
    const [env, activities, workflowBundle, calls] = await Promise.all([
      context.timeSkipping(),
      context.activities(),
      context.workflowBundle(),
      prepareWorkloads(context, workloads, 'ts'),
    ]);
    const taskQueue = context.taskQueue('time-skipping');
    const workers = await WorkerGroup.create({ connection: env.nativeConnection, workflowBundle, activities, taskQueues: [taskQueue] });
    const stopWorkers = context.defer(() => workers.shutdown());
    void workers.start();
    try {
      let next = 0;
      const bench = new Bench({ ...options, retainSamples: true, throws: true, signal: context.signal });
      for (const workload of workloads) {
        const call = calls.get(workload.name)!;
        bench.add(workload.name, async () => {
          const { workflowId, args } = call('ts', next++);
          // Not `expect?.(await ...)`: without an expect that would skip the workflow itself.
          const result = await env.client.workflow.execute(workload.workflowType, { taskQueue, workflowId, args });
          workload.expect?.(result);
        });
      }
      progress(
        `time-skipping: timing ${bench.tasks.length} workflow tests (${quick ? 'quick' : `at least ${options.iterations} iterations or ${options.time / 1000} s each`})`,
      );
      await bench.run();
      const benchmarks = bench.tasks.map((task) => {
        const result = task.result;
        if (result.state !== 'completed') {
          throw new Error(`time-skipping: ${task.name} ${result.state}${result.state === 'errored' ? `: ${result.error.message}` : ''}`);
        }
        const samples = [...(result.latency.samples ?? [])];
        const workload = workloads.find((w) => w.name === task.name)!;
        progress(
          `time-skipping: ${task.name}: median ${result.latency.p50.toFixed(1)} ms per workflow (${(1000 / result.latency.p50).toFixed(1)} workflows/s, ${samples.length} iterations)`,
        );
        return benchmark({
          suite: 'time-skipping',
          name: `${task.name}/latency`,
          unit: 'ms',
          direction: 'lower-is-better',
          samples,
          params: { workflow: workload.workflowType, timer: 'tinybench', timestampProvider: result.timestampProviderName },
        });
      });
      return { benchmarks };
    } finally {
      await stopWorkers();
    }
  },
};
