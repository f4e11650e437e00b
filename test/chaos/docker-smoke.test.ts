import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { providers } from '../../src/features/chaos/cluster';
import tiny from '../fixtures/chaos/tiny-scenario';
import { onPackagedSystem, runPackaged } from '../support/chaos-cluster';
import { dockerForTests } from '../support/docker';

await dockerForTests();

// The chaos smoke on containers: one small scenario through the runner, as `tempest chaos run --cluster docker` does.
describe('chaos smoke on the docker provider', () => {
  it('runs the tiny scenario on a docker cluster: every invariant holds, and no container is left', async () => {
    const result = await runPackaged(onPackagedSystem(tiny), 9, { provider: providers.docker });
    expect(result.verdicts.length).toBeGreaterThan(0);
    expect(result.verdicts.filter((v) => !v.ok)).toEqual([]);
    console.log(`docker cluster start-up in the smoke run: ${(result.timings.clusterStartMs / 1000).toFixed(1)} s`);
    const left = execFileSync('docker', ['ps', '--all', '--quiet', '--filter', `label=tempest.harness-pid=${process.pid}`], {
      encoding: 'utf8',
    });
    expect(left.trim()).toBe('');
  });
});
