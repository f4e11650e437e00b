/**
 * The regression test `tempest interleave --save x.test.ts` writes typechecks in a project on `module: NodeNext`
 * (an ES module package), whose relative imports must carry an extension (TS2835 without one), and in one on
 * `moduleResolution: Bundler`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { saveRegressionTest } from '../../src/features/interleave/api';
import type { InterleavingsDefinition } from '../../src/features/interleave/definition';
import type { ExploreResult } from '../../src/features/interleave/explore';
import { REPO_ROOT } from '../support/repo';

// Inside the repository, so `vitest` and @types/node resolve from its node_modules as they would from a project's.
const project = mkdtempSync(path.join(REPO_ROOT, 'test', '.saved-test-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const definition: InterleavingsDefinition = {
  name: 'greeting',
  workflowType: 'greet',
  args: ['Ada'],
  activities: { compose: { returns: 'Hello, Ada' } },
};

const failed: Extract<ExploreResult, { failed: true }> = {
  failed: true,
  runs: 3,
  seed: 1,
  ms: 10,
  shapes: new Map(),
  path: '2:0',
  shrinks: 1,
  ordering: { steps: [], events: [] } as never,
  run: {
    workflowId: 'greeting-1',
    outcome: { status: 'completed', result: 'Hello, Ada' },
    calls: [],
    timeline: [
      { atMs: 0, step: { kind: 'called', activity: 'compose', call: 1 } },
      { atMs: 0, step: { kind: 'complete', activity: 'compose', call: 1 } },
    ],
    sent: [],
    history: { events: [] },
    runs: [],
    children: [],
    updates: [],
  },
  violations: [{ property: 'polite', message: 'said hello, not good day' }],
  foundMs: 5,
  shrunkMs: 5,
};

/** The diagnostics of the saved test alone, compiled with `options` (tempest/interleave from its sources). */
function savedTestDiagnostics(dir: string, options: ts.CompilerOptions): string[] {
  mkdirSync(path.join(dir, 'interleavings'), { recursive: true });
  mkdirSync(path.join(dir, 'test'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    path.join(dir, 'interleavings', 'greeting.ts'),
    `import { defineInterleavings } from 'tempest/interleave';\nexport default defineInterleavings(${JSON.stringify(definition)});\n`,
  );
  const testFile = path.join(dir, 'test', 'greeting.test.ts');
  saveRegressionTest(testFile, path.join(dir, 'interleavings', 'greeting.ts'), path.join(dir, 'src', 'workflows.ts'), definition, failed);
  const program = ts.createProgram([testFile], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true, // tempest's own sources, mapped below, import with .ts
    types: ['node'],
    typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
    paths: { 'tempest/interleave': [path.join(REPO_ROOT, 'src', 'entries', 'interleave', 'index.ts')] },
    ...options,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === testFile)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('the regression test interleave --save writes', () => {
  it('typechecks under module NodeNext: its relative import carries the extension NodeNext needs', () => {
    const dir = path.join(project, 'nodenext');
    const diagnostics = savedTestDiagnostics(dir, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
    expect(diagnostics).toEqual([]);
  });

  it('typechecks under moduleResolution Bundler too', () => {
    const dir = path.join(project, 'bundler');
    const diagnostics = savedTestDiagnostics(dir, { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler });
    expect(diagnostics).toEqual([]);
  });
});
