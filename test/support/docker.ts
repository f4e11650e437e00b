import { ensureDockerEngine } from '../../src/base/harness/docker-engine';

/**
 * The Docker engine the docker provider's suites run on: the running one, or one the tests start (dockerd, as
 * `TEMPEST_START_DOCKER=1` lets a user's run do). The test command's setup installs Debian's docker.io where it is
 * missing; an engine that still cannot start fails the suites, never skips them.
 */
export async function dockerForTests(): Promise<void> {
  await ensureDockerEngine({ start: true });
}
