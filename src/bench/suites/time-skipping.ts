/**
 * Time-skipping test throughput: how fast workflow tests run in the pinned time-skipping test server, with the
 * real bank and store services. One workflow at a time (time skipping is global to the server), timed per
 * iteration by tinybench with its raw samples retained:
 * - a moneyTransfer (no timers: the cost of a test's round trips);
 * - an order left without approval, so its 24-hour approval timer fires and it is rejected and undone (the cost
 *   of a test that skips a day).
 */
import { Bench } from 'tinybench';
import { packagedActivities, WorkerGroup } from '../../harness/worker.ts';
import { orderWorkflowId, type OrderStatus } from '../../../workflows/types.ts';
import { benchmark } from '../report.ts';
import type { BenchSuite } from '../suite.ts';
import { moneyTransferWorkload, orderSagaWorkload } from '../workload.ts';

const FULL = { time: 4_000, iterations: 30, warmupTime: 500, warmupIterations: 5 };
const QUICK = { time: 300, iterations: 10, warmupTime: 0, warmupIterations: 2 };

export const timeSkippingSuite: BenchSuite = {
  name: 'time-skipping',
  description: 'workflow tests in the time-skipping test server (moneyTransfer; an order whose 24-hour approval timer fires): ms per workflow',
  async run(context, { quick, progress }) {
    const options = quick ? QUICK : FULL;
    const [env, services, workflowBundle] = await Promise.all([context.timeSkipping(), context.services(), context.workflowBundle()]);
    const taskQueue = context.taskQueue('time-skipping');
    const workers = await WorkerGroup.create({ connection: env.nativeConnection, workflowBundle, activities: packagedActivities(services.urls), taskQueues: [taskQueue] });
    const stopWorkers = context.defer(() => workers.shutdown());
    void workers.start();
    try {
      const prefix = `bench-${context.runId}-ts`;
      const [transfer, order] = await Promise.all([
        moneyTransferWorkload.prepare(services.clients, `${prefix}-transfer`),
        orderSagaWorkload.prepare(services.clients, `${prefix}-order`),
      ]);
      let next = 0;
      const bench = new Bench({ ...options, retainSamples: true, throws: true, signal: context.signal });
      bench.add('moneyTransfer', async () => {
        const { workflowType, workflowId, args } = transfer('ts', next++);
        await env.client.workflow.execute(workflowType, { taskQueue, workflowId, args });
      });
      bench.add('order-approval-timeout-24h', async () => {
        const [details] = order('ts', next++).args;
        const status: OrderStatus = await env.client.workflow.execute('order', { taskQueue, workflowId: orderWorkflowId(details.orderId), args: [details] });
        // The 24-hour timer must really have fired: anything else means time did not skip as expected.
        if (status.state !== 'rejected' || status.approval?.decision !== 'auto-rejected') {
          throw new Error(`time-skipping: order ${details.orderId} ended ${status.state} (${status.approval?.decision ?? 'no decision'}), expected rejected by the 24-hour timeout`);
        }
      });
      progress(`time-skipping: timing ${bench.tasks.length} workflow tests (${quick ? 'quick' : `at least ${options.iterations} iterations or ${options.time / 1000} s each`})`);
      await bench.run();
      return bench.tasks.map((task) => {
        const result = task.result;
        if (result.state !== 'completed') {
          throw new Error(`time-skipping: ${task.name} ${result.state}${result.state === 'errored' ? `: ${result.error.message}` : ''}`);
        }
        const samples = [...(result.latency.samples ?? [])];
        progress(`time-skipping: ${task.name}: median ${result.latency.p50.toFixed(1)} ms per workflow (${(1000 / result.latency.p50).toFixed(1)} workflows/s, ${samples.length} iterations)`);
        return benchmark({
          suite: 'time-skipping',
          name: `${task.name}/latency`,
          unit: 'ms',
          direction: 'lower-is-better',
          samples,
          params: {
            workflow: task.name === 'moneyTransfer' ? 'moneyTransfer' : 'order',
            timeSkipped: task.name === 'moneyTransfer' ? 'none' : '24 hours',
            timer: 'tinybench',
            timestampProvider: result.timestampProviderName,
          },
        });
      });
    } finally {
      await stopWorkers();
    }
  },
};
