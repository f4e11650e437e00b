/**
 * A Temporal frontend that demands mTLS, for tests: a TLS terminator in front of a plain dev server (the dev server
 * has no TLS of its own). It speaks TLS with ALPN h2, requires a client certificate signed by its CA, and passes
 * the decrypted bytes to the dev server, which takes HTTP/2 without TLS. Certificates are made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TestPki {
  dir: string;
  /** The CA that signed both certificates. */
  caFile: string;
  /** The server's certificate names this host (and 127.0.0.1). */
  serverName: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

const openssl = (args: string[], cwd: string): void => void execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A throwaway CA with a server and a client certificate (EC P-256, valid for two days). */
export function makeTestPki(serverName = 'temporal.test'): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=tempest test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaf = (name: string, cn: string, extensions: string): void => {
    writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n${extensions}\n`);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  leaf('server', serverName, `extendedKeyUsage=serverAuth\nsubjectAltName=DNS:${serverName},IP:127.0.0.1`);
  leaf('client', 'tempest-worker', 'extendedKeyUsage=clientAuth');
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caFile: file('ca.pem'),
    serverName,
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
  };
}

export interface TlsFront {
  address: string;
  /** Connections that completed the handshake with a client certificate, by the certificate's CN. */
  readonly authorized: Map<string, number>;
  /** Handshakes refused (no certificate, or one the CA did not sign). */
  readonly refused: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1:`port` with mTLS and pass each connection to the plain frontend at `upstream`. */
export async function startTlsFront(pki: TestPki, port: number, upstream: string): Promise<TlsFront> {
  const authorized = new Map<string, number>();
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: readFileSync(pki.serverCertFile),
      key: readFileSync(pki.serverKeyFile),
      ca: readFileSync(pki.caFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (secure) => {
      const cn = String(secure.getPeerCertificate().subject?.CN ?? '?');
      authorized.set(cn, (authorized.get(cn) ?? 0) + 1);
      const [host, portText] = [upstream.slice(0, upstream.lastIndexOf(':')), upstream.slice(upstream.lastIndexOf(':') + 1)];
      const plain = net.connect(Number(portText), host);
      for (const socket of [secure, plain]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined); // either side may go away mid-stream (faults, shutdown)
      }
      secure.pipe(plain).pipe(secure);
      secure.on('close', () => plain.destroy());
      plain.on('close', () => secure.destroy());
    },
  );
  server.on('tlsClientError', () => void refused++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${port}`,
    authorized,
    get refused() {
      return refused;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
