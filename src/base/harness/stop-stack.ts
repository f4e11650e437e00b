/**
 * What a start has started so far, so that a start that fails half-way stops exactly that: each started thing's
 * stop is deferred onto the stack as it starts, and `stopAll` stops them last-started first. (The DisposableStack
 * of newer Nodes, for Node 20, which has none.)
 */
export class StopStack {
  private readonly stops: (() => Promise<unknown>)[] = [];

  /** Stop this when the stack stops. */
  defer(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  /** `started`, with its stop deferred once (and only if) it started. */
  async adopt<T>(started: Promise<T>, stop: (value: T) => Promise<unknown>): Promise<T> {
    const value = await started;
    this.defer(() => stop(value));
    return value;
  }

  /** Stop everything deferred, last first, each attempted even when one fails; the first failure is thrown once all were. */
  async stopAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const stop of this.stops.splice(0).reverse()) await stop().catch((error: unknown) => void failures.push(error));
    if (failures.length > 0) throw failures[0];
  }
}
