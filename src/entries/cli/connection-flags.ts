/**
 * The flags that say how to reach an existing Temporal cluster securely (TLS, mTLS, an API key), shared by
 * `histories record` and `chaos run|explore --cluster external`. Secrets are read here and nowhere else: an API
 * key comes from the environment variable the user names, and is never printed or written.
 */
import { existingFileFlag } from './flags.ts';
import type { Command } from 'commander';
import type { ClusterOptions } from '../../features/replay/record.ts';
import { UsageError } from '../../base/errors.ts';

export interface ConnectionFlags {
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsServerName?: string;
  apiKeyEnv?: string;
}

/** Flag name for each option, in the order they are listed. */
const FLAGS: Record<keyof ConnectionFlags, string> = {
  tls: '--tls',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsCa: '--tls-ca',
  tlsServerName: '--tls-server-name',
  apiKeyEnv: '--api-key-env',
};

/** Add the flags to a command; `prefix` goes before each description (e.g. the cluster they apply to). */
export function addConnectionFlags(command: Command, prefix = ''): Command {
  return command
    .option('--tls', `${prefix}connect with TLS (server certificate checked against the system roots)`)
    .option('--tls-cert <file>', `${prefix}client certificate for mTLS (with --tls-key)`)
    .option('--tls-key <file>', `${prefix}client private key for mTLS (with --tls-cert)`)
    .option('--tls-ca <file>', `${prefix}CA certificate to verify the server with`)
    .option('--tls-server-name <name>', `${prefix}server name to verify the server certificate against`)
    .option('--api-key-env <VAR>', `${prefix}read an API key from this environment variable (never written anywhere)`);
}

/** The connection flags that were given, as on a command line (the API key's variable name, never the key). */
export function connectionFlagArgs(flags: ConnectionFlags): string[] {
  return (Object.keys(FLAGS) as (keyof ConnectionFlags)[]).flatMap((key) => {
    const value = flags[key];
    if (value === undefined || value === false) return [];
    return value === true ? [FLAGS[key]] : [FLAGS[key], String(value)];
  });
}

/** Check the flags and turn them into TLS and an API key for a connection. */
export function connectionFromFlags(flags: ConnectionFlags): Pick<ClusterOptions, 'tls' | 'apiKey'> {
  if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together (mTLS needs both)');
  const certFile = flags.tlsCert === undefined ? undefined : existingFileFlag('--tls-cert', flags.tlsCert);
  const keyFile = flags.tlsKey === undefined ? undefined : existingFileFlag('--tls-key', flags.tlsKey);
  const caFile = flags.tlsCa === undefined ? undefined : existingFileFlag('--tls-ca', flags.tlsCa);
  const tlsFiles = certFile || caFile || flags.tlsServerName;
  let apiKey: string | undefined;
  if (flags.apiKeyEnv) {
    apiKey = process.env[flags.apiKeyEnv];
    if (!apiKey) throw new UsageError(`--api-key-env ${flags.apiKeyEnv}: that environment variable is not set`);
  }
  return {
    tls: tlsFiles ? { certFile, keyFile, caFile, serverName: flags.tlsServerName } : flags.tls || apiKey ? true : undefined,
    apiKey,
  };
}
