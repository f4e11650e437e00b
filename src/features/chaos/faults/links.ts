/**
 * Faults on links (each a Toxiproxy proxy): a toxic of Toxiproxy's on one direction of a link, always at toxicity 1
 * (when it hits is decided by the plan or a point, never by Toxiproxy's unseedable randomness); a link taken down.
 */
import fc from 'fast-check';
import { check, isRecord } from '../../../base/definition.ts';
import { checkName, defineFaultKind, type FaultTargets } from './kind.ts';

/** Every Toxiproxy toxic (toxiproxy 2.12). Attributes are the toxic's own, in its units (ms, KB/s, bytes, µs). */
export const TOXICS = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data'] as const;
export type ToxicType = (typeof TOXICS)[number];

/** Attributes a toxic gets when the scenario gives none (Toxiproxy's units: ms, KB/s, bytes, µs for slicer delay). */
export const TOXIC_DEFAULTS: Record<ToxicType, Record<string, number>> = {
  latency: { latency: 1000, jitter: 0 },
  bandwidth: { rate: 1 },
  slow_close: { delay: 1000 },
  timeout: { timeout: 0 },
  reset_peer: { timeout: 0 },
  slicer: { average_size: 64, size_variation: 32, delay: 100 },
  limit_data: { bytes: 1024 },
};

export interface ToxicAction {
  kind: 'toxic';
  link: string;
  toxic: ToxicType;
  stream?: 'upstream' | 'downstream';
  attributes?: Record<string, number>;
}

export interface LinkDownAction {
  kind: 'link-down';
  link: string;
}

function bindLink(action: { link: string }, field: string, targets: FaultTargets): void {
  check(
    targets.links.includes(action.link),
    `${field}.link`,
    `expected one of ${targets.links.join(', ')}, got ${JSON.stringify(action.link)}`,
  );
}

export const toxicKind = defineFaultKind<ToxicAction, string>({
  kind: 'toxic',
  summary: 'a Toxiproxy toxic (latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data) on one direction of a link',
  validate(action, field) {
    checkName(action, 'link', field);
    check(
      TOXICS.includes(action.toxic as ToxicType),
      `${field}.toxic`,
      `expected one of ${TOXICS.join(', ')}, got ${JSON.stringify(action.toxic)}`,
    );
    check(
      action.stream === undefined || action.stream === 'upstream' || action.stream === 'downstream',
      `${field}.stream`,
      `expected upstream or downstream, got ${JSON.stringify(action.stream)}`,
    );
    check(
      action.attributes === undefined ||
        (isRecord(action.attributes) &&
          Object.values(action.attributes).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)),
      `${field}.attributes`,
      'expected an object of non-negative numbers',
    );
  },
  bind: bindLink,
  needs: () => ['links'],
  describe: (action) =>
    `${action.toxic} ${action.stream ?? 'downstream'} on ${action.link}${action.attributes ? ` ${JSON.stringify(action.attributes)}` : ''}`,
  apply: (action, { cluster }) =>
    cluster.link(action.link).addToxic({
      type: action.toxic,
      stream: action.stream ?? 'downstream',
      attributes: { ...TOXIC_DEFAULTS[action.toxic], ...action.attributes },
    }),
  heal: (action, name, { cluster }) => cluster.link(action.link).removeToxic(name),
  arbitrary: (targets) =>
    fc.record({
      kind: fc.constant('toxic' as const),
      link: fc.constantFrom(...targets.links),
      toxic: fc.constantFrom(...TOXICS),
      stream: fc.constantFrom('downstream' as const, 'upstream' as const),
    }),
});

export const linkDownKind = defineFaultKind<LinkDownAction, void>({
  kind: 'link-down',
  summary: 'a link taken down: its connections closed and new ones refused, until it heals',
  validate: (action, field) => checkName(action, 'link', field),
  bind: bindLink,
  needs: () => ['links'],
  describe: (action) => `${action.link} down`,
  apply: (action, { cluster }) => cluster.link(action.link).down(),
  heal: (action, _applied, { cluster }) => cluster.link(action.link).up(),
  arbitrary: (targets) => fc.record({ kind: fc.constant('link-down' as const), link: fc.constantFrom(...targets.links) }),
});
