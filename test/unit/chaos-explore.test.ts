import { describe, expect, it } from 'vitest';
import { exploreSchedules, type GeneratedFault } from '../../src/chaos/explore';
import bankAndStore from '../../chaos/system';
import { bindScenario, defineScenario } from '../../src/chaos/scenario';

const scenario = bindScenario(defineScenario({ name: 'explore-me', description: 'a workload to explore', workload: { transfers: 5, concurrency: 2 }, faults: [] }), bankAndStore);

/** A stand-in for a real run (pure logic under test): the "system" breaks whenever the bank is killed for over a second. */
const breaksWhenBankDiesLong = async (_s: unknown, schedule: readonly GeneratedFault[]): Promise<boolean> =>
  !schedule.some((f) => f.action.kind === 'kill' && f.action.process === 'bank' && f.forMs > 1000);

describe('exploreSchedules', () => {
  it('shrinks a failing schedule to the one fault that matters, at its smallest', async () => {
    const result = await exploreSchedules({ scenario, runs: 200, seed: 7, run: breaksWhenBankDiesLong });
    expect(result.failed).toBe(true);
    if (!result.failed) return;
    expect(result.minimal).toEqual([{ action: { kind: 'kill', process: 'bank' }, atMs: 0, forMs: 1001 }]);
  });

  it("replays fast-check's shrunk schedule exactly from its seed and path", async () => {
    const first = await exploreSchedules({ scenario, runs: 200, seed: 7, run: breaksWhenBankDiesLong });
    if (!first.failed) return expect.fail('expected a failure');
    const seen: GeneratedFault[][] = [];
    const replayed = await exploreSchedules({ scenario, runs: 1, seed: first.seed, path: first.path, run: async (s, schedule) => (seen.push([...schedule]), breaksWhenBankDiesLong(s, schedule)) });
    expect(seen[0]).toEqual(first.shrunk);
    expect(replayed.failed).toBe(true);
  });

  it('reports no failure when every schedule holds', async () => {
    expect(await exploreSchedules({ scenario, runs: 20, seed: 1, run: async () => true })).toEqual({ failed: false, runs: 20, seed: 1 });
  });
});
