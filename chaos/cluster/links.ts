/**
 * The cluster's links as Toxiproxy proxies: one proxy per link, listening on a free port of 127.0.0.1, with
 * toxics always at toxicity 1 (the harness decides when a fault starts and ends; Toxiproxy's own randomness
 * cannot be seeded).
 */
import type { Proxy, Toxiproxy } from 'toxiproxy-node-client';
import { type Link, LINKS, type LinkName, type ToxicSpec } from './types';

export class LinkError extends Error {
  override name = 'LinkError';
  constructor(
    readonly link: LinkName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`link ${link}: ${message}`, options);
  }
}

class ToxiproxyLink implements Link {
  private toxicsAdded = 0;

  constructor(
    readonly name: LinkName,
    private readonly proxy: Proxy,
  ) {}

  get listen(): string {
    return this.proxy.listen;
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
      throw new LinkError(this.name, `${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Create one proxy per link, each forwarding to its upstream (host:port). */
export async function createLinks(toxiproxy: Toxiproxy, upstreams: Record<LinkName, string>): Promise<Record<LinkName, Link>> {
  const create = async (name: LinkName): Promise<Link> => {
    const proxy = await toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: upstreams[name] }).catch((error: unknown) => {
      throw new LinkError(name, `cannot create its proxy to ${upstreams[name]}: ${(error as Error).message}`, { cause: error });
    });
    return new ToxiproxyLink(name, proxy);
  };
  const links = {} as Record<LinkName, Link>;
  await Promise.all(LINKS.map(async (name) => void (links[name] = await create(name))));
  return links;
}
