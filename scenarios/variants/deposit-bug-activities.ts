/**
 * The Temporal tutorial's "deploy a bug" step: the packaged activities, except that deposit is broken and fails
 * with a retryable error on every attempt. Workflows keep retrying it until a fixed worker is deployed.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityContext } from 'tempest/chaos';
import { createActivities as createPackagedActivities } from '../../activities/worker';

export function createActivities(context: ActivityContext) {
  return {
    ...createPackagedActivities(context),
    async deposit(): Promise<string> {
      throw ApplicationFailure.retryable('deposit is broken in this build (the bug a fixed worker replaces)', 'DepositBug');
    },
  };
}
