/**
 * Explore over points of the system's progress instead of times: a fault-free run of the workload says which points
 * it passes (each activity type's attempts, each link's requests by kind) and how many; the schedules place faults
 * at those points. Because a point is counted, not timed, a schedule lands where it did every time it runs again, so
 * a counterexample re-fails. fast-check shrinks toward fewer faults, the first matching point (nth 1), the most
 * readable fault (a lost answer, before a lost request, a killed worker, an outage) and shorter outages, so the
 * minimal counterexample reads like the bug: "the answer to POST /deposit #1 on worker-bank lost after the part
 * applied it".
 */
import fc from 'fast-check';
import type { ReachedPoint } from './cluster/progress.ts';
import type { FaultAction } from './faults/index.ts';
import type { ActivityPoint, ProgressPoint, RequestPoint } from './points.ts';

/** The points a fault-free run passed, and how many of each. */
export interface PointCatalogue {
  /** Attempts started per activity type. */
  activities: Record<string, number>;
  /** Requests seen per link and kind. */
  requests: Record<string, Record<string, number>>;
}

/**
 * What points a run passed, and how many of each. An activity type counts its first attempts only, so a fault-free
 * run that met a slow moment (an attempt timed out and was retried) gives the same catalogue, and fast-check's seed
 * and path the same schedules.
 */
export function catalogueOf(points: readonly ReachedPoint[]): PointCatalogue {
  const catalogue: PointCatalogue = { activities: {}, requests: {} };
  for (const point of points) {
    if (point.source === 'activity' && point.at === 'started' && point.attempt === 1)
      catalogue.activities[point.activityType] = (catalogue.activities[point.activityType] ?? 0) + 1;
    if (point.source === 'request' && point.at === 'seen') {
      const link = (catalogue.requests[point.link] ??= {});
      link[point.kind] = (link[point.kind] ?? 0) + 1;
    }
  }
  return catalogue;
}

/** A fault placed at a point, as explore generates it. */
export interface PointFault {
  action: FaultAction;
  point: ProgressPoint;
  /** How long it lasts once applied (absent for a drop). */
  forMs?: number;
}

export interface PointScheduleShape {
  maxFaults?: number;
  /** The longest anchored outage (ms); outages under most retry budgets are tried three times as often. */
  longestMs?: number;
  /** The links an anchored outage may take down. */
  links: readonly string[];
}

const nth = (count: number): fc.Arbitrary<number> => fc.integer({ min: 1, max: Math.max(1, count) });

/**
 * Schedules of faults at the points of `catalogue`, each point one a fault-free run of the same workload passed. Four
 * kinds of fault, in the order they shrink toward: an answer lost after the part applied the request; a request lost
 * before the part saw it; the worker killed right after an activity returned, before its completion reached Temporal;
 * a link down from the moment an attempt starts ("from the 2nd withdraw on, for 30 s").
 */
export function pointScheduleArbitrary(catalogue: PointCatalogue, shape: PointScheduleShape): fc.Arbitrary<PointFault[]> | undefined {
  const outage = fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.integer({ min: 300, max: 4000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 4001, max: Math.max(4001, shape.longestMs ?? 40_000) }), weight: 1 },
  );
  const requestKinds = Object.entries(catalogue.requests).flatMap(([link, kinds]) =>
    Object.entries(kinds).map(([kind, count]) => ({ link, kind, count })),
  );
  const activityTypes = Object.entries(catalogue.activities).map(([type, count]) => ({ type, count }));
  const arms: fc.Arbitrary<PointFault>[] = [];
  if (requestKinds.length > 0) {
    const request = (on: RequestPoint['on']): fc.Arbitrary<RequestPoint> =>
      fc
        .constantFrom(...requestKinds)
        .chain(({ link, kind, count }) => nth(count).map((n): RequestPoint => ({ request: link, kind, on, nth: n })));
    arms.push(request('answered').map((point) => ({ action: { kind: 'drop' }, point })));
    arms.push(request('seen').map((point) => ({ action: { kind: 'drop' }, point })));
  }
  if (activityTypes.length > 0) {
    const activity = (on: ActivityPoint['on']): fc.Arbitrary<ActivityPoint> =>
      fc.constantFrom(...activityTypes).chain(({ type, count }) => nth(count).map((n): ActivityPoint => ({ activity: type, on, nth: n })));
    arms.push(
      fc.record({ point: activity('returned'), forMs: fc.integer({ min: 300, max: 3000 }) }).map(({ point, forMs }) => ({
        action: { kind: 'kill', process: 'worker' },
        point,
        forMs,
      })),
    );
    if (shape.links.length > 0)
      arms.push(
        fc.record({ point: activity('started'), link: fc.constantFrom(...shape.links), forMs: outage }).map(({ point, link, forMs }) => ({
          action: { kind: 'link-down', link },
          point,
          forMs,
        })),
      );
  }
  if (arms.length === 0) return undefined;
  return fc.array(fc.oneof({ withCrossShrink: true }, ...arms), { minLength: 1, maxLength: shape.maxFaults ?? 3 });
}
