/**
 * The services cluster's persistence faults: the Temporal server's own fault injection. Each of `services` (default:
 * history) restarts with `errors` (data store -> method -> error -> probability; e.g. ExecutionStore
 * UpdateWorkflowExecution ExecuteAndTimeout: 0.1 commits the write and answers with a timeout); healed by restarting
 * without them.
 */
import { check, isRecord } from '../../../base/definition.ts';
import {
  PERSISTENCE_ERRORS,
  type PersistenceFaults,
  TEMPORAL_SERVICES,
  type TemporalService,
} from '../../../base/harness/temporal-services.ts';
import type { Cluster } from '../cluster/types.ts';
import { defineFaultKind } from './kind.ts';

export interface PersistenceAction {
  kind: 'persistence';
  errors: PersistenceFaults;
  services?: TemporalService[];
}

function checkPersistenceFaults(errors: unknown, field: string): void {
  const example = 'e.g. { ExecutionStore: { UpdateWorkflowExecution: { ExecuteAndTimeout: 0.1 } } }';
  check(isRecord(errors) && Object.keys(errors).length > 0, field, `expected data store -> method -> error -> probability, ${example}`);
  for (const [store, methods] of Object.entries(errors as Record<string, unknown>)) {
    check(
      /^[A-Z][A-Za-z]*Store$|^Queue(V2)?$/.test(store) && isRecord(methods) && Object.keys(methods).length > 0,
      `${field}.${store}`,
      `expected a data store (ExecutionStore, TaskStore, ShardStore, ...) holding methods, ${example}`,
    );
    for (const [method, byError] of Object.entries(methods as Record<string, unknown>)) {
      check(
        isRecord(byError) && Object.keys(byError).length > 0,
        `${field}.${store}.${method}`,
        `expected error -> probability, ${example}`,
      );
      for (const [error, p] of Object.entries(byError as Record<string, unknown>)) {
        const at = `${field}.${store}.${method}.${error}`;
        check(
          PERSISTENCE_ERRORS.includes(error as (typeof PERSISTENCE_ERRORS)[number]),
          at,
          `expected one of ${PERSISTENCE_ERRORS.join(', ')}`,
        );
        check(typeof p === 'number' && p > 0 && p <= 1, at, `expected a probability in (0, 1], got ${JSON.stringify(p)}`);
      }
    }
  }
}

/** The services a persistence fault restarts with its errors: history unless it says. */
const targetsOf = (action: PersistenceAction): TemporalService[] => action.services ?? ['history'];

export const persistenceKind = defineFaultKind<PersistenceAction, void>({
  kind: 'persistence',
  summary: "the Temporal server's own persistence fault injection in some of its services (the services cluster)",
  validate(action, field) {
    checkPersistenceFaults(action.errors, `${field}.errors`);
    check(
      action.services === undefined ||
        (Array.isArray(action.services) &&
          action.services.length > 0 &&
          action.services.every((svc) => TEMPORAL_SERVICES.includes(svc as TemporalService))),
      `${field}.services`,
      `expected a non-empty list of ${TEMPORAL_SERVICES.join(', ')}, got ${JSON.stringify(action.services)}`,
    );
  },
  bind(_action, field, targets) {
    check(
      targets.cluster === 'services',
      `${field}.kind`,
      "a persistence fault needs the services cluster: add cluster: 'services' to the scenario",
    );
  },
  needs: () => ['persistence-faults'],
  describe: (action) => `persistence faults ${JSON.stringify(action.errors)} in ${targetsOf(action).join(', ')}`,
  apply: (action, { cluster }) => injector(cluster)(action.errors, targetsOf(action)),
  heal: (action, _applied, { cluster }) => injector(cluster)(undefined, targetsOf(action)),
});

function injector(cluster: Cluster): NonNullable<Cluster['injectPersistenceFaults']> {
  const inject = cluster.injectPersistenceFaults;
  if (!inject) throw new Error(`the ${cluster.provider} cluster cannot inject persistence faults (the services cluster can)`);
  return inject.bind(cluster);
}
