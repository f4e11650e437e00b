/**
 * The dependency direction, checked by a kept library (dependency-cruiser, rules in .dependency-cruiser.cjs): the
 * engine's layers (base, features, entries) import only downward and features only replay among themselves, the
 * engine imports nothing of the examples, the examples use only its public entry points, workflows stay
 * deterministic. And proof that the rules bite, on a fixture tree that breaks each once.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

const DEPCRUISE = path.join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string, folders: string[]): { violations: Violation[]; modules: number } {
  const result = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const output = JSON.parse(result.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: output.summary.violations, modules: output.summary.totalCruised };
}

describe('the dependency rules', () => {
  it('hold on this repository: the engine layers import downward only, the engine knows no example, the examples use the public API, workflows are deterministic', () => {
    const { violations, modules } = cruise(REPO_ROOT, [
      'src',
      'workflows',
      'activities',
      'services',
      'chaos',
      'scenarios',
      'interleavings',
      'bench',
      'scripts',
    ]);
    expect(modules).toBeGreaterThan(150);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('bite: each rule names the import that breaks it', () => {
    const { violations } = cruise(path.join(REPO_ROOT, 'test', 'fixtures', 'dependency-rules'), ['src', 'workflows', 'chaos']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort()).toEqual([
      'base-imports-no-feature-or-entry: src/base/harness/parts.ts -> src/features/chaos/plan.ts',
      'engine-knows-no-example: src/features/chaos/plan.ts -> workflows/money.ts',
      'examples-use-the-public-api: chaos/system.ts -> src/features/chaos/plan.ts',
      'features-are-independent-but-replay: src/features/chaos/plan.ts -> src/features/bench/run.ts',
      'features-import-no-entry: src/features/chaos/plan.ts -> src/entries/chaos/index.ts',
      'workflows-are-deterministic: workflows/money.ts -> fs',
    ]);
  });
});
