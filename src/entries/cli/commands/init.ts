/**
 * `tempest init`: add tempest to an existing Temporal TypeScript project in one command. It finds the workflows and
 * activities modules and the task queue, writes tempest.config.ts, vitest's config with tempest's plugin, a first
 * testWorkflow test, a system skeleton (with a scenario and a benchmark workload) and a CI workflow, each printed and
 * none over an existing file; adds a test script when there is none, and installs vitest when the project lacks it.
 * `npm test` passes right after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../../../base/errors.ts';
import { writeFileAtomic } from '../../../base/files.ts';
import { type DetectedProject, detectProject } from '../../../features/init/detect.ts';
import { initFiles, needsVitest, packageScripts } from '../../../features/init/files.ts';
import { printedCommand } from '../project.ts';

export interface InitOptions {
  workflows?: string;
  activities?: string;
  taskQueue?: string;
  /** False with --no-install: print the install command instead of running it. */
  install?: boolean;
}

/** vitest's major for Node 20 (vitest 5 needs Node 22.12). */
const VITEST = 'vitest@^4.1.0';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Add the scripts to package.json, keeping its indentation and every other field as it was. */
function addScripts(root: string, scripts: Record<string, string>): void {
  if (Object.keys(scripts).length === 0) return;
  const file = path.join(root, 'package.json');
  const text = readFileSync(file, 'utf8');
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const json = JSON.parse(text) as { scripts?: Record<string, string> };
  json.scripts = { ...json.scripts, ...scripts };
  writeFileAtomic(file, `${JSON.stringify(json, null, indent)}\n`);
}

/** `.tempest/` (runs' reports and state) in .gitignore, when the project has one without it. */
function ignoreRunState(root: string): boolean {
  const file = path.join(root, '.gitignore');
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  if (/^\/?\.tempest\/?$/m.test(text)) return false;
  writeFileSync(file, `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}.tempest/\n`);
  return true;
}

function describeFindings(project: DetectedProject): void {
  say(`tempest init in ${project.root}`);
  say(`  workflows   ${project.workflowsFile}: ${project.workflows.map((w) => w.name).join(', ')}`);
  const shape = {
    functions: 'exported functions',
    factory: 'a factory of what they call',
    'parts-factory': "createActivities({ parts }), as tempest's workers call it",
  };
  say(
    `  activities  ${project.activitiesFile ? `${project.activitiesFile} (${shape[project.activitiesShape!]}): ${project.activities.map((a) => a.name).join(', ') || 'names not read'}` : 'none found (pass --activities <module>)'}`,
  );
  say(
    `  task queue  ${project.taskQueue ? `${project.taskQueue} (from ${project.taskQueueFrom})` : 'none found: the system uses its own name (pass --task-queue <name>)'}`,
  );
  if (!project.typed) say("  (no TypeScript in the project: sample inputs are placeholders; edit the first test's args)");
}

export function runInit(options: InitOptions): number {
  const root = process.cwd();
  const project = detectProject(root, options);
  describeFindings(project);
  say();
  for (const file of initFiles(project)) {
    const target = path.join(root, file.path);
    if (existsSync(target)) {
      say(`  kept   ${file.path}: it exists${file.instead ? `; ${file.instead}` : ''}`);
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileAtomic(target, file.text);
    say(`  wrote  ${file.path}: ${file.what}`);
  }
  const { scripts, notes } = packageScripts(project);
  addScripts(root, scripts);
  for (const [name, command] of Object.entries(scripts)) say(`  added  package.json scripts.${name}: ${command}`);
  for (const note of notes) say(`  note   ${note}`);
  if (ignoreRunState(root)) say('  added  .gitignore: .tempest/ (where runs write their reports and state)');
  if (needsVitest(project)) {
    const install = ['install', '--save-dev', '--no-audit', '--no-fund', VITEST];
    if (options.install === false) say(`  run    npm ${install.join(' ')} (vitest runs the tests; --no-install left it to you)`);
    else {
      say(`  npm    ${install.join(' ')}`);
      const installed = spawnSync('npm', install, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (installed.status !== 0)
        throw new HarnessError(
          `npm ${install.join(' ')} failed (exit ${installed.status}): ${installed.stderr.trim().split('\n').at(-1) ?? ''}; run it yourself, then npm test`,
        );
    }
  }
  say();
  say('Next:');
  say(`  npm test                                   the first test, in virtual time`);
  say(`  edit tempest/system.ts                     the parts your activities call, and the workload`);
  say(`  ${printedCommand('up --run').padEnd(42)} your system locally, its workload driven once`);
  say(`  ${printedCommand('histories record --query ""').padEnd(42)} then record its histories; ${printedCommand('replay')} replays them`);
  return 0;
}
