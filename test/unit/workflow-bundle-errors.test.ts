/**
 * Workflow code that does not bundle is one line a person can act on (bundleWorkflowCodeChecked): the file, the
 * line and the cause, never webpack's report or the SDK's "Webpack finished with errors".
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCodeChecked, WorkflowBundleError } from '../../src/base/harness/bundle';
import { REPO_ROOT } from '../support/repo';

// Inside the repository (its ignored .tempest/) so that the code resolves @temporalio/workflow as a user's would.
const dir = path.join(REPO_ROOT, '.tempest', `bundle-errors-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return path.join(dir, Object.keys(files)[0]!);
}

async function bundleError(workflowsPath: string): Promise<WorkflowBundleError> {
  const error = await bundleWorkflowCodeChecked({ workflowsPath }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowBundleError);
  expect((error as Error).message.split('\n')).toHaveLength(1);
  expect((error as Error).message).not.toContain('Webpack');
  return error as WorkflowBundleError;
}

const SLEEP = "import { sleep } from '@temporalio/workflow';\n";

describe('workflow code that does not bundle', () => {
  it('a disallowed import in a module the workflows import: that module, its line, the module named', async () => {
    const workflows = write({
      'fs-workflows.ts': `${SLEEP}export { hostName } from './fs-helper';\nexport async function w(): Promise<void> { await sleep(1); }\n`,
      'fs-helper.ts':
        "// reads a file\nimport { readFileSync } from 'fs';\nexport const hostName = (): string => readFileSync('/etc/hostname', 'utf8');\n",
    });
    const error = await bundleError(workflows);
    expect(error.file).toBe(path.join(dir, 'fs-helper.ts'));
    expect(error.line).toBe(2);
    expect(error.message).toContain("imports 'fs', which workflow code cannot use");
  });

  it('a node: built-in is named as written', async () => {
    const workflows = write({
      'cp-workflows.ts': `${SLEEP}import { execSync } from 'node:child_process';\nexport async function w(): Promise<void> { await sleep(1); execSync('true'); }\n`,
    });
    const error = await bundleError(workflows);
    expect([error.file, error.line]).toEqual([workflows, 2]);
    expect(error.message).toContain("imports 'node:child_process'");
  });

  it('a syntax error: the file and its line', async () => {
    const workflows = write({ 'syntax-workflows.ts': `${SLEEP}export async function w(): Promise<void> {\n  const x = ;\n}\n` });
    const error = await bundleError(workflows);
    expect([error.file, error.line]).toEqual([workflows, 3]);
    expect(error.reason).toBe('syntax error: Expression expected');
  });

  it('a module that cannot be found: the importing file, its line, the module', async () => {
    const workflows = write({
      'missing-workflows.ts': `${SLEEP}import { nope } from './nowhere';\nexport async function w(): Promise<void> { await sleep(nope); }\n`,
    });
    const error = await bundleError(workflows);
    expect([error.file, error.line]).toEqual([workflows, 2]);
    expect(error.reason).toBe("cannot find module './nowhere'");
  });

  it('code that bundles gives its code and the files it was built from', async () => {
    const workflows = write({ 'good-workflows.ts': `${SLEEP}export async function w(): Promise<void> { await sleep(1); }\n` });
    const { code, inputs } = await bundleWorkflowCodeChecked({ workflowsPath: workflows });
    expect(code).toContain('__TEMPORAL__');
    expect(inputs).toContain(workflows);
  });
});

describe('workflow code outside the project folder', () => {
  it("bundles: @temporalio/workflow resolves from the project's node_modules, not only from folders above the file", async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'tempest-outside-workflows-'));
    try {
      const workflows = path.join(outside, 'workflows.ts');
      writeFileSync(workflows, `${SLEEP}export async function napper(): Promise<string> { await sleep('1s'); return 'rested'; }\n`);
      const { code } = await bundleWorkflowCodeChecked({ workflowsPath: workflows });
      expect(code).toContain('napper');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
