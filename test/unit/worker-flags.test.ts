import { describe, expect, it } from 'vitest';
import { parseWorkerFlags, parseWorkerReadyLine, type WorkerFlags, workerArgs } from '../../src/base/harness/worker-flags';

const flags: WorkerFlags = {
  address: '127.0.0.1:7233',
  namespace: 'default',
  taskQueues: ['money-transfer', 'orders'],
  bundle: '/tmp/run/bundles/workflows-0.js',
  activities: '/repo/activities/index.ts',
  parts: { bank: '127.0.0.1:4001', store: '127.0.0.1:4002' },
};

describe('worker process flags', () => {
  it('parse what workerArgs writes, task queues in order', () => {
    expect(parseWorkerFlags(workerArgs(flags))).toEqual(flags);
  });

  it('round-trip TLS: any --tls-* flag turns TLS on', () => {
    const withTls: WorkerFlags = { ...flags, tls: { serverName: 'ns.tmprl.cloud', caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'c.key' } };
    expect(parseWorkerFlags(workerArgs(withTls))).toEqual(withTls);
    expect(parseWorkerFlags([...workerArgs(flags), '--tls']).tls).toEqual({});
    expect(parseWorkerFlags([...workerArgs(flags), '--tls-server-name', 'x']).tls).toEqual({ serverName: 'x' });
  });

  it.each([
    [['--bogus'], /^unknown flag --bogus \(usage: /],
    [['--namespace', 'other'], /^--namespace is given more than once$/],
    [['--part', 'bank=127.0.0.1:1'], /^--part bank is given more than once$/],
    [['--tls-cert', 'c.pem'], /^--tls-cert and --tls-key go together: give both or neither$/],
  ])('reject %j after valid flags with a message naming the flag', (extra, message) => {
    expect(() => parseWorkerFlags([...workerArgs(flags), ...extra])).toThrow(message);
  });

  it.each([
    [['--address', 'nowhere'], "--address must be host:port, got 'nowhere'"],
    [['--part', 'bank=http://x'], "--part must be <name>=<host:port>, got 'bank=http://x'"],
    [['--part', '--bundle'], '--part needs a value'],
  ])('reject a bad value (%j) naming the flag', (replacement, message) => {
    const args = workerArgs(flags);
    const at = args.indexOf(replacement[0]!);
    args.splice(at, 2, ...replacement);
    expect(() => parseWorkerFlags(args)).toThrow(message);
  });

  it('require every flag and at least one task queue', () => {
    expect(() => parseWorkerFlags(workerArgs(flags).filter((arg, i, all) => arg !== '--bundle' && all[i - 1] !== '--bundle'))).toThrow(
      /^--bundle is required/,
    );
    expect(() => parseWorkerFlags(workerArgs({ ...flags, taskQueues: [] }))).toThrow(/^--task-queue is required, once per task queue/);
  });

  it('recognise the ready line and nothing else', () => {
    expect(parseWorkerReadyLine('{"event":"polling","pid":42,"taskQueues":["q"]}')).toEqual({
      event: 'polling',
      pid: 42,
      taskQueues: ['q'],
    });
    expect(parseWorkerReadyLine('{"event":"listening","pid":42}')).toBeUndefined();
    expect(parseWorkerReadyLine('polling')).toBeUndefined();
  });
});
