/** TLS to a Temporal frontend from certificate files, as the SDK's connections take it. */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/worker';
import type { WorkerTls } from './worker-flags.ts';

export function tlsConfig(tls: WorkerTls): TLSConfig {
  return {
    serverNameOverride: tls.serverName,
    serverRootCACertificate: tls.caFile ? readFileSync(tls.caFile) : undefined,
    clientCertPair: tls.certFile && tls.keyFile ? { crt: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : undefined,
  };
}
