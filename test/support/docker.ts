import { configureTestcontainers, dockerAvailable, ensureDockerEngine, START_DOCKER_ENV, startRequested } from '../../src/harness/docker-engine';

/**
 * Whether this test run has a Docker engine for the docker provider's suites. With TEMPEST_START_DOCKER=1 (CI sets
 * it) an engine is started when none runs, and a failure to start one fails the suite; without it, a machine with
 * no engine skips the suites and says why.
 */
export async function dockerForTests(): Promise<{ ready: boolean; reason: string }> {
  configureTestcontainers();
  if (startRequested()) {
    await ensureDockerEngine({ start: true });
    return { ready: true, reason: '' };
  }
  if (await dockerAvailable()) return { ready: true, reason: '' };
  return { ready: false, reason: `no Docker engine runs (set ${START_DOCKER_ENV}=1 to let the tests start dockerd)` };
}
