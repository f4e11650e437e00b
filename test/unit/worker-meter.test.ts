/**
 * The worker meter charges each request an activity sends to the part whose address it went to, and to the
 * workflow whose activity sent it, for fetch and node:http alike; requests outside an activity are not counted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMeter } from '../../src/base/harness/worker-meter';

let server: http.Server;
let address: string;

beforeAll(async () => {
  server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Run `body` as the activity inbound interceptor runs an activity of workflow `workflowId`. */
function asActivity(meter: ReturnType<typeof createWorkerMeter>, workflowId: string, body: () => Promise<unknown>): Promise<unknown> {
  const factory = meter.interceptors.activity![0]!;
  const context = { info: { workflowExecution: { workflowId } } } as unknown as Parameters<typeof factory>[0];
  const { inbound } = factory(context) as {
    inbound: { execute(input: unknown, next: (input: unknown) => Promise<unknown>): Promise<unknown> };
  };
  return inbound.execute({}, () => body());
}

const httpGet = (url: string): Promise<void> =>
  new Promise((resolve, reject) => http.get(url, (response) => response.resume().on('end', resolve)).on('error', reject));

describe('createWorkerMeter', () => {
  it('counts each activity and its requests by part and workflow, through fetch and node:http', async () => {
    const meter = createWorkerMeter({ bank: address });
    try {
      await asActivity(meter, 'transfer-1', async () => {
        await (await fetch(`http://${address}/accounts/a`)).text();
        await httpGet(`http://${address}/accounts/b`);
      });
      await asActivity(meter, 'transfer-2', () => fetch(`http://${address}/x`).then((r) => r.text()));
      await (await fetch(`http://${address}/not-from-an-activity`)).text();

      const reading = meter.read();
      expect(reading.perWorkflow).toEqual({
        'transfer-1': { activities: 1, requests: { bank: 2 } },
        'transfer-2': { activities: 1, requests: { bank: 1 } },
      });
      expect(reading.cpuUs).toBeGreaterThan(0);
      expect(meter.read().perWorkflow).toEqual({}); // each read takes what it counted
    } finally {
      meter.close();
    }
  });

  it('names an address that is no part as other:<host:port>', async () => {
    const meter = createWorkerMeter({ store: '127.0.0.1:1' });
    try {
      await asActivity(meter, 'w', () => fetch(`http://${address}/`).then((r) => r.text()));
      expect(meter.read().perWorkflow.w!.requests).toEqual({ [`other:${address}`]: 1 });
    } finally {
      meter.close();
    }
  });
});
