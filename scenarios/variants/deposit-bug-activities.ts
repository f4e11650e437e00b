/**
 * The Temporal tutorial's "deploy a bug" step: the packaged activities, except that deposit is broken and fails
 * with a retryable error on every attempt. Workflows keep retrying it until a fixed worker is deployed.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createActivities as createPackagedActivities, type ServiceClients } from '../../activities';

export function createActivities(clients: ServiceClients) {
  return {
    ...createPackagedActivities(clients),
    async deposit(): Promise<string> {
      throw ApplicationFailure.retryable('deposit is broken in this build (the bug a fixed worker replaces)', 'DepositBug');
    },
  };
}
