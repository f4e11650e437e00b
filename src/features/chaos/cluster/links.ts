/**
 * The cluster's links as Toxiproxy proxies: one proxy per link, with toxics always at toxicity 1 (the harness
 * decides when a fault starts and ends; Toxiproxy's own randomness cannot be seeded). A proxy listens on a free
 * port of 127.0.0.1, or where the provider says (the docker provider's bridge network: a port of the Toxiproxy
 * container that is published on the same port of the host's 127.0.0.1).
 */
import type { Proxy, Toxiproxy } from 'toxiproxy-node-client';
import type { Link, ToxicSpec } from './types.ts';
import { HarnessError } from '../../../base/errors.ts';

class ToxiproxyLink implements Link {
  private toxicsAdded = 0;

  constructor(
    readonly name: string,
    private readonly proxy: Proxy,
  ) {}

  /** Where the harness connects: 127.0.0.1 and the proxy's port (published there when Toxiproxy runs in a container). */
  get listen(): string {
    return `127.0.0.1:${portOf(this.proxy.listen)}`;
  }

  get upstream(): string {
    return this.proxy.upstream;
  }

  async addToxic(spec: ToxicSpec): Promise<string> {
    const name = `${spec.type}-${spec.stream}-${++this.toxicsAdded}`;
    await this.call(`cannot add toxic ${spec.type} (${spec.stream}) ${JSON.stringify(spec.attributes)}`, () =>
      this.proxy.addToxic({ name, type: spec.type, stream: spec.stream, toxicity: 1, attributes: spec.attributes }),
    );
    return name;
  }

  async removeToxic(name: string): Promise<void> {
    await this.call(`cannot remove toxic ${name}`, async () => (await this.proxy.getToxic(name)).remove());
  }

  async down(): Promise<void> {
    await this.setEnabled(false);
  }

  async up(): Promise<void> {
    await this.setEnabled(true);
  }

  async heal(): Promise<void> {
    const { data: toxics } = await this.call('cannot list toxics', () =>
      this.proxy.api.get<{ name: string }[]>(`${this.proxy.getPath()}/toxics`),
    );
    for (const toxic of toxics) await this.removeToxic(toxic.name);
    await this.up();
  }

  private async setEnabled(enabled: boolean): Promise<void> {
    // "down" is not a toxic: the proxy is disabled, which closes its connections and stops listening.
    await this.call(`cannot take it ${enabled ? 'up' : 'down'}`, () =>
      this.proxy.update({ enabled, listen: this.proxy.listen, upstream: this.proxy.upstream }),
    );
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw new HarnessError(`link ${this.name}: ${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The port of a host:port address ('127.0.0.1:80', '[::]:80', 'bank:80'). */
export function portOf(address: string): number {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in the address '${address}'`);
  return port;
}

/**
 * Create one proxy per link, each forwarding to its upstream (host:port, as Toxiproxy reaches it) and listening
 * where `listenOn` says (a free port of 127.0.0.1 by default).
 */
export async function createLinks(
  toxiproxy: Toxiproxy,
  upstreams: Record<string, string>,
  listenOn: (link: string) => string = () => '127.0.0.1:0',
): Promise<Record<string, Link>> {
  const create = async (name: string): Promise<Link> => {
    const failed = (reason: string, cause?: unknown): HarnessError =>
      new HarnessError(`link ${name}: cannot create its proxy to ${upstreams[name]}: ${reason}`, { cause });
    // Created through the API itself: the client library drops Toxiproxy's reason (a port in use, a bad address).
    const response = await fetch(`${toxiproxy.host}/proxies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, listen: listenOn(name), upstream: upstreams[name], enabled: true }),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => {
      throw failed((error as Error).message, error);
    });
    if (!response.ok) {
      const body = await response.text();
      const reason = (() => {
        try {
          return (JSON.parse(body) as { error?: string }).error ?? body;
        } catch {
          return body;
        }
      })();
      throw failed(`Toxiproxy answered ${response.status}: ${reason.trim()}`);
    }
    const proxy = await toxiproxy.get(name).catch((error: unknown) => {
      throw failed((error as Error).message, error);
    });
    return new ToxiproxyLink(name, proxy);
  };
  const links: Record<string, Link> = {};
  await Promise.all(Object.keys(upstreams).map(async (name) => void (links[name] = await create(name))));
  return links;
}
