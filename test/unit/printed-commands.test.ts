/**
 * The commands tempest prints for the user to run work as printed from the project's root, where tempest is the
 * project's installed package: `npx tempest ...`, never a bare `tempest` (not on the PATH there).
 */
import { describe, expect, it } from 'vitest';
import { replayCommand } from '../../src/entries/cli/commands/interleave';
import { printedCommand } from '../../src/entries/cli/project';

describe('printed commands', () => {
  it('interleave prints how to replay a failure as npx tempest interleave', () => {
    expect(replayCommand('interleavings/hold.ts', { workflows: 'src/changed.ts' }, 3, '180:6')).toBe(
      'npx tempest interleave interleavings/hold.ts --workflows src/changed.ts --seed 3 --path 180:6',
    );
    expect(replayCommand('interleavings/hold.ts', { config: 'ci/tempest.config.ts' }, 3, '1')).toBe(
      'npx tempest interleave interleavings/hold.ts --config ci/tempest.config.ts --seed 3 --path 1',
    );
  });

  it('every printed command starts npx tempest, without empty words', () => {
    expect(printedCommand('chaos run', 'seat-holds', '', '--seed', '7')).toBe('npx tempest chaos run seat-holds --seed 7');
  });
});
