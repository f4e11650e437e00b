/**
 * `tempest init` reads an existing Temporal project: its workflows and activities modules (from its worker, else by
 * name), how its activities are made, its task queue, and sample inputs from its signatures; and writes files that
 * never replace one of the project's.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectProject } from '../../src/features/init/detect';
import { importSpecifier, initFiles, packageScripts } from '../../src/features/init/files';
import { tempestSync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const NEWSLETTER = path.join(REPO_ROOT, 'test', 'fixtures', 'newsletter');
// Inside the repository, so the projects below resolve TypeScript and @temporalio/* as an installed project would.
const work = mkdtempSync(path.join(REPO_ROOT, 'test', '.init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A project of `files` (package.json included unless given). */
function project(name: string, files: Record<string, string>): string {
  const root = path.join(work, name);
  mkdirSync(root, { recursive: true });
  for (const [file, text] of Object.entries({ 'package.json': '{ "name": "p", "type": "module" }\n', ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('what tempest init finds', () => {
  it('in the newsletter project: the modules its worker names, a factory of activities, the task queue of a constant, samples from the types', () => {
    const found = detectProject(NEWSLETTER);
    expect(found).toMatchObject({
      esm: false,
      workflowsFile: 'src/workflows.ts',
      workflows: [
        { name: 'signup', sampleArgs: ["'ada@example.com'"] },
        { name: 'unsubscribe', sampleArgs: ["'ada@example.com'"] },
      ],
      activitiesFile: 'src/activities.ts',
      activitiesShape: 'factory',
      activities: [
        { name: 'addSubscriber', sampleResult: 'undefined' },
        { name: 'removeSubscriber', sampleResult: 'undefined' },
        { name: 'sendEmail', sampleResult: "'sendEmailResult-1'" },
      ],
      taskQueue: 'newsletter',
      taskQueueFrom: 'src/worker.ts',
      testDir: 'test',
      typed: true,
    });
  });

  it('activities exported one by one, workflows by file name, object and union parameters sampled', () => {
    const root = project('functions', {
      'src/workflows.ts': `import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';
const { charge } = proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });
export interface Order { id: string; lines: string[]; rush?: boolean; kind: 'retail' | 'wholesale'; amount: number }
export async function fulfil(order: Order, attempts: number): Promise<string> { return charge(order.id, attempts); }
`,
      'src/activities.ts': 'export async function charge(id: string, n: number): Promise<string> { return `${id}:${n}`; }\n',
      'src/worker.ts':
        "import { Worker } from '@temporalio/worker';\nawait Worker.create({ taskQueue: 'orders', workflowsPath: '' } as never);\n",
    });
    expect(detectProject(root)).toMatchObject({
      esm: true,
      workflowsFile: 'src/workflows.ts',
      workflows: [{ name: 'fulfil', sampleArgs: ["{ id: 'id-1', lines: [], kind: 'retail', amount: 1 }", '1'] }],
      activitiesShape: 'functions',
      activities: [{ name: 'charge', sampleResult: "'chargeResult-1'" }],
      taskQueue: 'orders',
    });
  });

  it("a factory of tempest's own shape, createActivities({ parts }), is used as it is", () => {
    const root = project('parts', {
      'workflows/index.ts':
        "import { sleep } from '@temporalio/workflow';\nexport async function nap(): Promise<void> { await sleep('1h'); }\n",
      'activities/index.ts':
        'export function createActivities({ parts }: { parts: Record<string, { url: string }> }) {\n  return { ping: async (): Promise<number> => (await fetch(parts.api!.url)).status };\n}\n',
    });
    const found = detectProject(root);
    expect(found).toMatchObject({ workflowsFile: 'workflows/index.ts', activitiesShape: 'parts-factory', activities: [{ name: 'ping' }] });
    const files = initFiles(found).map((f) => f.path);
    expect(files).not.toContain('tempest/activities.ts');
    expect(initFiles(found).find((f) => f.path === 'tempest/system.ts')!.text).toContain("activities: 'activities/index.ts'");
  });

  it.each([
    [{}, /^no package\.json in .*: run tempest init at the root of your Temporal project$/],
    [{ 'package.json': '{}', 'src/a.ts': 'export const a = 1;\n' }, /^found no workflows module .*: name it with --workflows <module>$/],
  ])('refuses a project it cannot read, saying what to do (%#)', (files, message) => {
    const root = path.join(work, `bad-${Math.random().toString(36).slice(2)}`);
    mkdirSync(root, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    expect(() => detectProject(root)).toThrow(message);
  });
});

describe('what tempest init writes', () => {
  it('imports a TypeScript module as its output (x.js), which NodeNext, Bundler, node10, tsx and vitest all resolve', () => {
    expect(importSpecifier('tempest/activities.ts', 'src/activities.ts')).toBe('../src/activities.js');
    expect(importSpecifier('tempest/activities.ts', 'lib/acts.mts')).toBe('../lib/acts.mjs');
  });

  it("adds a test script only where there is none or npm's failing placeholder", () => {
    const found = detectProject(NEWSLETTER);
    expect(packageScripts(found)).toEqual({ scripts: { test: 'vitest run' }, notes: [] });
    expect(packageScripts({ ...found, packageJson: { scripts: { test: 'vitest run --coverage' } } })).toEqual({ scripts: {}, notes: [] });
    expect(packageScripts({ ...found, packageJson: { scripts: { test: 'mocha' } } }).scripts).toEqual({ 'test:tempest': 'vitest run' });
  });

  it('on the command line: prints each file, writes none over an existing one, and says what to add to it instead', () => {
    const root = path.join(work, 'newsletter');
    cpSync(NEWSLETTER, root, { recursive: true });
    writeFileSync(path.join(root, 'tempest.config.ts'), '// ours\n');
    const run = tempestSync(['init', '--no-install'], { cwd: root });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`  kept   tempest.config.ts: it exists; check that it names workflows: 'src/workflows.ts'\n`);
    expect(readFileSync(path.join(root, 'tempest.config.ts'), 'utf8')).toBe('// ours\n');
    for (const file of [
      'vitest.config.mts',
      'test/signup.test.ts',
      'tempest/system.ts',
      'tempest/activities.ts',
      '.github/workflows/tempest.yml',
    ])
      expect(run.stdout).toContain(`  wrote  ${file}: `);
    expect(run.stdout).toContain('  added  package.json scripts.test: vitest run\n');
    expect(run.stdout).toContain('  run    npm install --save-dev --no-audit --no-fund vitest@^4.1.0');
    expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.test).toBe('vitest run');
    const again = tempestSync(['init', '--no-install'], { cwd: root });
    expect(again.stdout).not.toContain('  wrote  ');
    expect(again.stdout).not.toContain('  added  ');
  });
});
