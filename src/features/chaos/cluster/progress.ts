/**
 * The progress channel of a cluster: where the system is, as two probes report it.
 * - The activity probe in every worker process (base/harness/activity-probe.ts) connects to this channel's socket
 *   and reports each activity attempt `started`, and `returned` or `failed` before its completion reaches Temporal.
 * - The request gate of each worker-<part> link (request-gate.ts) reports each request `seen` before the part has it,
 *   and `answered` once the part answered it, before the caller has the answer.
 * Anyone may watch the points as they come (a runner learning what the activities did); one holder at a time may
 * hold the points that match its patterns until it decides what each does (the point nemesis: apply a fault, then
 * let the point go on, or drop it).
 */
import net from 'node:net';
import {
  type ActivityPointAt,
  type ActivityPointError,
  type ActivityPointPattern,
  type HarnessToWorker,
  jsonLines,
  type Release,
  type WorkerToHarness,
} from '../../../base/harness/progress-wire.ts';
import type { GatePattern, RequestGate } from './request-gate.ts';

export type { ActivityPointAt, Release };

/** Where a request is in its gate: `seen` before the part has it, `answered` after the part answered, before the caller has it. */
export type RequestPointAt = 'seen' | 'answered';

interface PointBase {
  /** Numbered from 1 in the order the channel received the points. */
  seq: number;
  /** When it was reached (epoch ms). */
  atMs: number;
  /** True when the probe waited for the holder's decision. */
  held: boolean;
}

export interface ActivityReached extends PointBase {
  source: 'activity';
  /** The worker process it ran in (its cluster name, e.g. worker-2). */
  worker: string;
  at: ActivityPointAt;
  activityType: string;
  workflowId: string;
  workflowType: string;
  attempt: number;
  /** A failed attempt's error: name, message and the first frame of the code that threw it. */
  error?: ActivityPointError;
}

export interface RequestReached extends PointBase {
  source: 'request';
  link: string;
  at: RequestPointAt;
  /** e.g. 'POST /deposit'. */
  kind: string;
  connection: number;
}

/** A point of the system's progress that a run passed. */
export type ReachedPoint = ActivityReached | RequestReached;

/** The points a holder holds. */
export type PointPattern = ({ source: 'activity' } & ActivityPointPattern) | ({ source: 'request'; link: string } & GatePattern);

/** What a holder is told of a held point: the point, and for a request its text (what an operation is matched in). */
export type HoldDecider = (point: ReachedPoint, request?: { text: string }) => Promise<Release>;

export interface ProgressChannel {
  /** Every point so far, in the order received. */
  readonly points: readonly ReachedPoint[];
  /** Be told of each point as it comes; returns the function that stops it. */
  watch(listener: (point: ReachedPoint) => void): () => void;
  /** Hold the points that match `patterns` until `decide` answers for each (replacing any earlier holder). */
  hold(patterns: readonly PointPattern[], decide: HoldDecider): void;
  /** Hold nothing (points in hold now still wait for their decisions). */
  unhold(): void;
  /** The workers whose probe is connected now. */
  workers(): string[];
}

/** The channel's side of the wire: a loopback server the probes connect to, and the gates it is given. */
export class ProgressServer implements ProgressChannel {
  readonly points: ReachedPoint[] = [];
  private readonly probes = new Map<string, net.Socket>();
  private readonly watchers = new Set<(point: ReachedPoint) => void>();
  private readonly gates: RequestGate[] = [];
  private patterns: readonly PointPattern[] = [];
  private decide: HoldDecider = async () => 'continue';

  private constructor(
    private readonly server: net.Server,
    /** host:port the probes connect to. */
    readonly address: string,
  ) {}

  static async start(): Promise<ProgressServer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const channel = new ProgressServer(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    server.on('connection', (socket) => channel.accept(socket));
    return channel;
  }

  /** Report the gate's requests here, and hold those the holder's patterns name. */
  attach(gate: RequestGate): void {
    this.gates.push(gate);
    gate.arm(this.gatePatterns(gate.link));
    gate.onPoint(async (point) => {
      const { text, ...rest } = point;
      const reached = this.record<RequestReached>({
        source: 'request',
        link: rest.link,
        at: rest.at,
        kind: rest.kind,
        connection: rest.connection,
        held: rest.held,
      });
      if (!point.held) return 'forward';
      const then = await this.decide(reached, { text }).catch((): Release => 'continue');
      return then === 'drop' ? 'drop' : 'forward';
    });
  }

  watch(listener: (point: ReachedPoint) => void): () => void {
    this.watchers.add(listener);
    return () => void this.watchers.delete(listener);
  }

  hold(patterns: readonly PointPattern[], decide: HoldDecider): void {
    this.patterns = patterns;
    this.decide = decide;
    const arm: HarnessToWorker = { type: 'arm', patterns: this.activityPatterns() };
    for (const socket of this.probes.values()) socket.write(`${JSON.stringify(arm)}\n`);
    for (const gate of this.gates) gate.arm(this.gatePatterns(gate.link));
  }

  unhold(): void {
    this.hold([], async () => 'continue');
  }

  workers(): string[] {
    return [...this.probes.keys()];
  }

  close(): Promise<void> {
    for (const socket of this.probes.values()) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private activityPatterns(): ActivityPointPattern[] {
    return this.patterns.flatMap((p) =>
      p.source === 'activity' ? [{ at: p.at, ...(p.activityTypes ? { activityTypes: p.activityTypes } : {}) }] : [],
    );
  }

  private gatePatterns(link: string): GatePattern[] {
    return this.patterns.flatMap((p) =>
      p.source === 'request' && p.link === link ? [{ at: p.at, ...(p.kinds ? { kinds: p.kinds } : {}) }] : [],
    );
  }

  private record<T extends ReachedPoint>(point: Omit<T, 'seq' | 'atMs'>): T {
    const reached = { ...point, seq: this.points.length + 1, atMs: Date.now() } as unknown as T;
    this.points.push(reached);
    for (const watcher of this.watchers) watcher(reached);
    return reached;
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    let worker: string | undefined;
    const send = (message: HarnessToWorker): void => void socket.write(`${JSON.stringify(message)}\n`);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (worker !== undefined && this.probes.get(worker) === socket) this.probes.delete(worker);
    });
    socket.on(
      'data',
      jsonLines<WorkerToHarness>((message) => {
        if (message.type === 'hello') {
          worker = message.worker;
          this.probes.set(worker, socket);
          send({ type: 'arm', patterns: this.activityPatterns() });
          return;
        }
        if (message.type !== 'point') return;
        const { type: _type, id, ...point } = message;
        const reached = this.record<ActivityReached>({ source: 'activity', worker: worker ?? 'unknown', ...point });
        if (!message.held) return;
        void this.decide(reached).then(
          (then) => send({ type: 'release', id, then }),
          () => send({ type: 'release', id, then: 'continue' }),
        );
      }),
    );
  }
}
