/**
 * What tempest says about a project that goes wrong: a config that does not parse or names an unknown field, a
 * system missing a field, a workload or a checker that throws, a part that never becomes ready. Each is one line
 * naming the file and the field (or hook), exit 2, no report written, nothing left running. And a system that never
 * worked (issue 25): a harness error (exit 2) in one line naming the module, the activity or workflow, the error and
 * its first frame, never a verdict; caught when the module loads where it can be, else by the warm-up without
 * faults, else once the run settled, with the report kept.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChaosReport } from '../../src/features/chaos/report';
import { WARM_UP_BOUND_MS } from '../../src/features/chaos/warm-up';
import { tempestAsync } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const fixture = (name: string): string => path.join(REPO_ROOT, 'test', 'fixtures', 'bad-systems', `${name}.ts`);
const TINY = path.join(REPO_ROOT, 'test', 'fixtures', 'chaos', 'tiny-scenario.ts');

/**
 * A project in a fresh folder whose config points at `system` (and the packaged workflows and scenarios). The folder
 * has no package.json, so its TypeScript is CommonJS to Node: tempest loads it all the same.
 */
function projectWith(system: string, config?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-bad-system-'));
  const text =
    config ??
    `export default { workflows: ${JSON.stringify(path.join(REPO_ROOT, 'workflows', 'index.ts'))}, system: ${JSON.stringify(system)}, scenarios: ${JSON.stringify(path.join(REPO_ROOT, 'scenarios'))} };\n`;
  writeFileSync(path.join(dir, 'tempest.config.ts'), text);
  return dir;
}

function processesMentioning(text: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '--', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Run `tempest chaos run <tiny> --seed 3 --report <dir> [args]` in the project. */
async function runIn(
  project: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ code: number | null; stderr: string; report: string }> {
  const report = path.join(project, 'report');
  const { code, stderr } = await tempestAsync(['chaos', 'run', TINY, '--seed', '3', '--report', report, ...args], { cwd: project, env });
  return { code, stderr, report };
}

function expectOneLine(stderr: string, text: string | RegExp): void {
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  if (typeof text === 'string') expect(stderr).toContain(text);
  else expect(stderr).toMatch(text);
}

describe('a project that goes wrong before any cluster starts', () => {
  it('a config with a syntax error: the file and the line', async () => {
    const project = projectWith('', 'export default {\n  workflows: "w.ts",,\n};\n');
    const { code, stderr } = await tempestAsync(['chaos', 'list'], { cwd: project });
    expect(code).toBe(2);
    expectOneLine(stderr, /^tempest: tempest\.config\.ts: cannot load the config: line 2, column \d+: .+/);
  });

  it('a config with an unknown field: the field, and the ones there are', async () => {
    const project = projectWith('', 'export default { sytem: "chaos/system.ts" };\n');
    const { code, stderr } = await tempestAsync(['chaos', 'list'], { cwd: project });
    expect(code).toBe(2);
    expectOneLine(
      stderr,
      'tempest: tempest.config.ts: sytem: not a config field (known: workflows, dataConverter, corpus, system, scenarios, benchmarks, outDir)',
    );
  });

  it('a system definition missing a field: the file and the field', async () => {
    const { code, stderr } = await tempestAsync(['chaos', 'list'], { cwd: projectWith(fixture('no-workers')) });
    expect(code).toBe(2);
    expectOneLine(stderr, `${fixture('no-workers')}: cannot load the system: workers: expected { workflows, activities, taskQueues }`);
  });

  it("a workload whose plan throws: named in the system's file, before a cluster starts", async () => {
    const { code, stderr, report } = await runIn(projectWith(fixture('plan-throws')));
    expect(code).toBe(2);
    expectOneLine(stderr, `${fixture('plan-throws')}: workload.plan threw: no accounts configured`);
    expect(stderr).not.toContain('starting the local cluster');
    expect(existsSync(report)).toBe(false);
  });
});

describe('a module that never finishes loading: named, exit 2, never a hang or a silent exit 0', () => {
  it.each([
    ['a top-level await that never resolves', 'await new Promise(() => {});\nexport default {};\n'],
    ['a loop that never ends', 'while (Date.now() > 0) {}\nexport default {};\n'],
  ])('%s', async (_, text) => {
    const project = projectWith(path.join(REPO_ROOT, 'chaos', 'system.ts'));
    const scenario = path.join(project, 'hangs.mts');
    writeFileSync(scenario, text);
    const { code, stderr } = await tempestAsync(['chaos', 'run', scenario, '--seed', '1'], {
      cwd: project,
      env: { TEMPEST_LOAD_TIMEOUT_MS: '3000' },
    });
    expect(code).toBe(2);
    expectOneLine(
      stderr,
      `tempest: hangs.mts: loading the system or scenario did not finish within 3 s (a top-level await that never resolves, or a loop that never ends?)`,
    );
  });
});

describe('a project that goes wrong once the cluster runs: nothing half-written, nothing left running', () => {
  it.each([
    ['prepare-throws', (file: string) => `${file}: workload.prepare threw: the seed file is missing`],
    ['checker-throws', (file: string) => `${file}: checker explodes threw: cannot read the ledger`],
    ['part-never-ready', () => 'local cluster: bank: did not start: bank was not ready within 3000 ms'],
  ] as const)('%s', async (name, message) => {
    const project = projectWith(fixture(name));
    const { code, stderr, report } = await runIn(project);
    expect(code).toBe(2);
    const last = stderr.trim().split('\n').at(-1)!;
    const expected = message(fixture(name));
    if (typeof expected === 'string') expect(last).toContain(expected);
    else expect(last).toMatch(expected);
    expect(existsSync(report)).toBe(false);
    expect(processesMentioning(project)).toEqual([]);
  });
});

describe('worker code that is broken: the file, the line and the cause in one line, before any cluster starts', () => {
  const code = (name: string): string => path.join(REPO_ROOT, 'test', 'fixtures', 'bad-systems', 'code', name);
  // Written here, not kept as a fixture: a file that does not parse would break the project's own type check. It
  // lives in the repository (its ignored .tempest/) so that its imports resolve as the user's would.
  const generated = path.join(REPO_ROOT, '.tempest', `bad-code-${process.pid}`);
  afterAll(() => rmSync(generated, { recursive: true, force: true }));

  it.each([
    [
      'workflows that import node:fs through a helper: the helper, the line, fs named',
      { TEMPEST_TEST_WORKFLOWS: 'workflows-read-files.ts' },
      `tempest: ${code('workflows-read-files.ts')} cannot be bundled as workflow code: ${code('reads-files.ts')}:3: imports 'node:fs', which workflow code cannot use: it would break determinism; move the code that needs it into an activity, or import only its types (import type)`,
    ],
    [
      'workflows whose import throws',
      { TEMPEST_TEST_WORKFLOWS: 'workflows-throw.ts' },
      `tempest: ${code('workflows-throw.ts')}: cannot load the workflows: the workflows module blew up`,
    ],
    [
      'workflows without a type the workload starts',
      { TEMPEST_TEST_WORKFLOWS: 'workflows-without-transfer.ts' },
      `tempest: ${fixture('broken-code')}: workload.plan: operation t1 starts workflow type 'moneyTransfer', which ${code('workflows-without-transfer.ts')} does not export (it exports order, orderSaga)`,
    ],
    [
      'activities whose import throws',
      { TEMPEST_TEST_ACTIVITIES: 'activities-throw.ts' },
      `tempest: ${code('activities-throw.ts')}: cannot load the activities: no connection string in the environment`,
    ],
    [
      'activities without createActivities',
      { TEMPEST_TEST_ACTIVITIES: 'activities-without-create.ts' },
      `tempest: ${code('activities-without-create.ts')}: must export createActivities({ parts }) (or a default export of it)`,
    ],
  ])('%s', async (_, env, expected) => {
    const project = projectWith(fixture('broken-code'));
    const { code: exit, stderr, report } = await runIn(project, env);
    expect(exit).toBe(2);
    expectOneLine(stderr, expected);
    expect(existsSync(report)).toBe(false);
    expect(readdirSync(project)).toEqual(['tempest.config.ts']);
  });

  it('workflows with a syntax error in a module they import: that module and the line', async () => {
    mkdirSync(generated, { recursive: true });
    const workflows = path.join(generated, 'workflows.ts');
    const helper = path.join(generated, 'helper.ts');
    writeFileSync(workflows, "export * from '../../workflows/index';\nexport { broken } from './helper';\n");
    writeFileSync(helper, '// a helper\n\nexport const broken = ;\n');
    const { code: exit, stderr } = await runIn(projectWith(fixture('broken-code')), { TEMPEST_TEST_WORKFLOWS: workflows });
    expect(exit).toBe(2);
    expectOneLine(stderr, `tempest: ${workflows}: cannot load the workflows: line 3, column 22 of ${helper}: Unexpected ";"`);
  });

  it('a createActivities that throws: called as a worker calls it, its message and first frame', async () => {
    const project = projectWith(fixture('broken-code'));
    const { code: exit, stderr, report } = await runIn(project, { TEMPEST_TEST_ACTIVITIES: 'create-activities-throws.ts' });
    expect(exit).toBe(2);
    expectOneLine(
      stderr,
      `tempest: ${code('create-activities-throws.ts')}: createActivities threw: no database configured (at createActivities (${code('create-activities-throws.ts')}:3:9))`,
    );
    expect(existsSync(report)).toBe(false);
    expect(processesMentioning(project)).toEqual([]);
  });
});

describe.each(['local', 'services'] as const)(
  'a system that never worked, on the %s cluster: exit 2, one line, never a verdict',
  (cluster) => {
    const code = (name: string): string => path.join(REPO_ROOT, 'test', 'fixtures', 'bad-systems', 'code', name);
    const clusterArgs = cluster === 'local' ? [] : ['--cluster', cluster];

    it("the issue's mistake: --activities the module that builds activities from clients, not the one workers load: before any cluster starts", async () => {
      const project = projectWith(fixture('broken-code'));
      const activities = path.join(REPO_ROOT, 'activities', 'index.ts');
      const { code: exit, stderr, report } = await runIn(project, {}, ['--activities', activities, ...clusterArgs]);
      expect(exit).toBe(2);
      expectOneLine(
        stderr,
        `tempest: ${activities}: createActivities read context.bank, context.store, which its context does not have (a worker calls createActivities({ parts }) with parts bank, store); is this the module your workers load?`,
      );
      expect(existsSync(report)).toBe(false);
    });

    it.each([
      [
        'activities whose withdraw throws a TypeError on every call',
        { TEMPEST_TEST_ACTIVITIES: 'activities-throw-type-error.ts' },
        (file: string) =>
          new RegExp(
            `^tempest: ${escape(file)}: activity withdraw failed with TypeError on all \\d+ attempts and never completed: TypeError: Cannot read properties of undefined \\(reading 'withdraw'\\) \\(at withdraw \\(${escape(file)}:14:\\d+\\)\\); the report is kept in report$`,
          ),
        code('activities-throw-type-error.ts'),
      ],
      [
        'workflows that fail their first workflow task',
        { TEMPEST_TEST_WORKFLOWS: 'workflows-fail-first-task.ts' },
        (file: string) =>
          new RegExp(
            `^tempest: ${escape(file)}: workflow moneyTransfer failed its first workflow task and never completed one: TypeError: Cannot read properties of undefined \\(reading 'perTransfer'\\) \\(at \\S+ \\(.*workflows-fail-first-task\\.ts:9:\\d+\\)\\); the report is kept in report$`,
          ),
        code('workflows-fail-first-task.ts'),
      ],
    ])('%s: the warm-up without faults finds it in seconds, and the report says so', async (_, env, line, file) => {
      const project = projectWith(fixture('broken-code'));
      const { code: exit, stderr, report } = await runIn(project, env, clusterArgs);
      expect(exit).toBe(2);
      expect(stderr.trim().split('\n').at(-1)).toMatch(line(file));
      const kept = JSON.parse(readFileSync(path.join(report, 'report.json'), 'utf8')) as ChaosReport;
      expect(kept).toMatchObject({ ok: false, verdicts: [], neverWorked: { during: 'warm-up' }, timeline: { faults: [] } });
      expect(kept.warmUp!.neverWorked).toBe(kept.neverWorked!.line);
      // the finding ended the warm-up, not its bound (20 s: a slice that waits for good)
      expect(kept.timings.warmUpMs).toBeLessThan(WARM_UP_BOUND_MS);
      expect(readFileSync(path.join(report, 'report.html'), 'utf8')).toContain('Harness error: the system never worked without faults');
      expect(readdirSync(path.join(report, 'histories')).length).toBeGreaterThan(0);
      expect(processesMentioning(project)).toEqual([]);
    });
  },
);

describe('a system that never worked, run without the warm-up', () => {
  it('is found once the run settled, from its histories: the same line, the report kept, no verdict', async () => {
    const project = projectWith(fixture('broken-code'));
    const file = path.join(REPO_ROOT, 'test', 'fixtures', 'bad-systems', 'code', 'activities-throw-type-error.ts');
    const {
      code: exit,
      stderr,
      report,
    } = await runIn(project, { TEMPEST_TEST_ACTIVITIES: 'activities-throw-type-error.ts' }, ['--no-warm-up']);
    expect(exit).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^tempest: ${escape(file)}: activity withdraw failed with TypeError on all \\d+ attempts and never completed: .+; the report is kept in report$`,
      ),
    );
    const kept = JSON.parse(readFileSync(path.join(report, 'report.json'), 'utf8')) as ChaosReport;
    expect(kept).toMatchObject({ ok: false, verdicts: [], neverWorked: { during: 'run' } });
    expect(kept.warmUp).toBeUndefined();
    expect(kept.timeline.faults).toHaveLength(1);
  });
});

describe('bench run --activities a module that cannot serve: exit 2, never a slow or failing benchmark', () => {
  it("each workload's first workflow, watched, names the activity, the error and its frame, and ends the run with no report", async () => {
    const file = path.join(REPO_ROOT, 'test', 'fixtures', 'bad-systems', 'code', 'activities-throw-type-error.ts');
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tempest-bench-never-')), 'never.json');
    const { code, stderr } = await tempestAsync(['bench', 'run', '--quick', '--suite', 'throughput', '--activities', file, '--out', out]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^tempest: test/fixtures/bad-systems/code/activities-throw-type-error\\.ts: activity withdraw failed with TypeError on all \\d+ attempts and never completed: TypeError: Cannot read properties of undefined \\(reading 'withdraw'\\) \\(at withdraw \\(test/fixtures/bad-systems/code/activities-throw-type-error\\.ts:14:\\d+\\)\\); the servers' logs are kept in \\.tempest/bench/last-failure/logs$`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
