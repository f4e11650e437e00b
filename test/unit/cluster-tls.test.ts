import { describe, expect, it } from 'vitest';
import { tlsThroughProxy } from '../../src/features/chaos/cluster/external';

describe('TLS to an external cluster through a local proxy', () => {
  it('is off without TLS or an API key', () => {
    expect(tlsThroughProxy({ address: 'temporal.internal:7233' })).toEqual({});
    expect(tlsThroughProxy({ address: 'temporal.internal:7233', tls: false, apiKey: 'k' })).toEqual({});
  });

  it("checks the server's certificate against the cluster's host, not the proxy's 127.0.0.1", () => {
    expect(tlsThroughProxy({ address: 'my-ns.a1b2c.tmprl.cloud:7233', apiKey: 'k' })).toEqual({
      workerTls: { serverName: 'my-ns.a1b2c.tmprl.cloud' },
      client: { serverNameOverride: 'my-ns.a1b2c.tmprl.cloud', serverRootCACertificate: undefined, clientCertPair: undefined },
    });
    expect(tlsThroughProxy({ address: '[::1]:7233', tls: true }).workerTls).toEqual({ serverName: '::1' });
  });

  it('keeps an explicit server name', () => {
    expect(tlsThroughProxy({ address: '10.0.0.5:7233', tls: { serverName: 'temporal.internal' } }).workerTls).toEqual({
      serverName: 'temporal.internal',
    });
  });
});
