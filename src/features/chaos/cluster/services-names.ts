/** The processes and links the services cluster adds to a system's (services.ts), by name, for checking scenarios. */
import { TEMPORAL_SERVICES, type TemporalService } from '../../../base/harness/temporal-services.ts';

/** The process of a Temporal service in the services cluster, and the link from it to the database. */
export const serviceProcess = (service: TemporalService): string => `temporal-${service}`;
export const databaseLink = (service: TemporalService): string => `${serviceProcess(service)}-postgres`;

/** The internal worker service's client of the frontend (system workflows: namespace deletion, scanners, ...). */
export const INTERNAL_WORKER_LINK = 'temporal-worker-frontend';

export const SERVICES_PROCESSES: readonly string[] = ['postgres', ...TEMPORAL_SERVICES.map(serviceProcess)];
export const SERVICES_LINKS: readonly string[] = [...TEMPORAL_SERVICES.map(databaseLink), INTERNAL_WORKER_LINK];
