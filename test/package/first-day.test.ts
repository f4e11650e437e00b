/**
 * A team's first day, from the tarball alone: the README's user guide followed as written, in a Temporal project of
 * the kind a team has before tempest (test/fixtures/newsletter: CommonJS, a tsc build, its own HTTP service, no tests
 * yet). Every fenced block between the guide's markers is taken in order: a `ts` block whose first line names a
 * file (`// tempest/system.ts`) is written there, each line of a `sh` block is run in the project's root and must
 * exit as its comment says (0 unless it says `exits 1`; one that keeps running `until Ctrl-C` runs while the rest of
 * its block does, then gets Ctrl-C and must exit 0), and `text` and `yaml` blocks are what a person reads or CI
 * runs. What each step printed is checked where the guide says what it prints. At the end, every file the guide
 * and `tempest init` wrote typechecks in the project.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { type RunningCommand, startCommand } from '../support/cli';
import { REPO_ROOT } from '../support/repo';

const work = mkdtempSync(path.join(os.tmpdir(), 'tempest-first-day-'));
const project = path.join(work, 'newsletter');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment a user's shell would have: none of this test run's vitest variables. */
const userEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'),
  ),
  NO_COLOR: '1',
};

interface Ran {
  code: number | null;
  output: string;
  seconds: number;
}

function run(command: string, cwd = project): Ran {
  const started = performance.now();
  const result: SpawnSyncReturns<string> = spawnSync('bash', ['-c', command], {
    cwd,
    env: userEnv,
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 2 ** 20,
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`[first day] ${command}: exit ${result.status} in ${seconds.toFixed(1)} s`);
  return { code: result.status, output: `${result.stdout}${result.stderr}`, seconds };
}

/** A fenced block of the guide, in order. */
interface Block {
  lang: string;
  text: string;
  line: number;
}

function guideBlocks(): Block[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- guide:start -->');
  const end = readme.indexOf('<!-- guide:end -->');
  expect(start, 'the README marks its user guide').toBeGreaterThan(0);
  const guide = readme.slice(start, end);
  const firstLine = readme.slice(0, start).split('\n').length;
  return [...guide.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    text: m[2]!,
    line: firstLine + guide.slice(0, m.index).split('\n').length - 1,
  }));
}

const blocks = guideBlocks();

/** One command line of a sh block: the command, and what its comment says of it. */
function commandsOf(block: Block): { command: string; comment: string }[] {
  return block.text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    .map((line) => {
      const at = line.search(/\s#\s/);
      return at < 0 ? { command: line.trim(), comment: '' } : { command: line.slice(0, at).trim(), comment: line.slice(at).trim() };
    });
}

/** What the guide says a command prints, checked against what it did print. */
const EXPECTED: { command: RegExp; check: (output: string) => void }[] = [
  { command: /^npx tempest setup$/, check: (out) => expect(out).toContain('toolchain ready') },
  {
    command: /^npx tempest init$/,
    check: (out) => {
      for (const file of [
        'tempest.config.ts',
        'vitest.config.mts',
        'test/signup.test.ts',
        'tempest/system.ts',
        '.github/workflows/tempest.yml',
      ])
        expect(out).toContain(`  wrote  ${file}: `);
      expect(out).toContain('  added  package.json scripts.test: vitest run');
    },
  },
  { command: /^npm test$/, check: (out) => expect(out).toMatch(/Tests\s+\d+ passed/) },
  {
    command: /^npx tempest up --run$/,
    check: (out) => {
      expect(out).toMatch(/^ {2}mail +http:\/\/127\.0\.0\.1:\d+$/m);
      expect(out).toContain('  signup, confirm (4): completed 4');
      expect(out).toContain('  signup, refused (2): failed 2');
      expect(out).toMatch(/^6 workflows in [\d.]+ s: 4 completed, 2 failed\. Record their histories with$/m);
      expect(out).toMatch(/Stopped: every server of newsletter ended/);
    },
  },
  { command: /^npx tempest histories record/, check: (out) => expect(out).toMatch(/^6 recorded, 0 unchanged, 0 failed/m) },
  { command: /^npx tempest replay$/, check: (out) => expect(out).toMatch(/^6 histories: 6 passed, 0 non-deterministic/m) },
  {
    command: /^npx tempest replay --strict$/,
    check: (out) => expect(out).toMatch(/^6 histories: 6 passed, 0 non-deterministic, 0 drifted/m),
  },
  { command: /^npx tempest interleave /, check: (out) => expect(out).toMatch(/every property held/) },
  { command: /^npx tempest chaos list$/, check: (out) => expect(out).toMatch(/^mail-answers-lost +/m) },
  { command: /^npx tempest chaos run mail-answers-lost --seed 42$/, check: (out) => expect(out).toContain('every invariant held') },
  {
    command: /^npx tempest chaos run mail-answers-lost --seed 42 --activities/,
    check: (out) => {
      expect(out).toMatch(/^ {2}FAIL one-email-of-each$/m);
      expect(out).toMatch(/signup-\d+: \d+ (confirm|welcome) emails to \S+@example\.com/);
      expect(out).toContain(
        'replay this run exactly: npx tempest chaos run mail-answers-lost --seed 42 --activities tempest/activities-key-per-attempt.ts',
      );
    },
  },
  { command: /^npx tempest bench run --base \. --quick/, check: (out) => expect(out).toContain('no significant regression') },
  { command: /^npx tempest replay --shard 1\/2/, check: (out) => expect(out).toMatch(/^Replaying 3 of 6 histories \(shard 1\/2\)/m) },
  { command: /^npx tempest replay merge/, check: (out) => expect(out).toMatch(/^6 histories: 6 passed/m) },
];

beforeAll(() => {
  // The project as the team has it: its own dependencies installed, the tarball next to it.
  cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'newsletter'), project, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|\.tempest|replay-histories|\.mail)([/\\]|$)/.test(source),
  });
  copyFileSync(inject('tarball'), path.join(project, 'tempest-0.1.0.tgz'));
  const installed = run('npm install --prefer-offline --no-audit --no-fund --loglevel=error');
  expect(installed.code, installed.output).toBe(0);
}, 900_000);

describe("the README's user guide, followed as written in the newsletter project", () => {
  it('has a ts block for every file it asks for, and only sh, ts, text and yaml blocks', () => {
    expect(blocks.length).toBeGreaterThan(20);
    for (const block of blocks) {
      expect(['sh', 'ts', 'text', 'yaml'], `README.md:${block.line}`).toContain(block.lang);
      if (block.lang === 'ts') expect(block.text.split('\n')[0], `README.md:${block.line}`).toMatch(/^\/\/ [\w./-]+\.[cm]?ts$/);
    }
  });

  for (const block of blocks.filter((b) => b.lang === 'ts' || b.lang === 'sh')) {
    const title =
      block.lang === 'ts'
        ? `README.md:${block.line}: writes ${block.text.split('\n')[0]!.slice(3)}`
        : `README.md:${block.line}: ${commandsOf(block)
            .map((c) => c.command)
            .join(' && ')}`;
    it(
      title,
      async () => {
        if (block.lang === 'ts') {
          const file = path.join(project, block.text.split('\n')[0]!.slice(3));
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, block.text);
          return;
        }
        let running: { command: string; process: RunningCommand } | undefined;
        onTestFinished(() => running?.process.interrupt('SIGINT')); // a no-op once it stopped below
        for (const { command, comment } of commandsOf(block)) {
          if (/until Ctrl-C/.test(comment)) {
            running = { command, process: startCommand('bash', ['-c', command], { cwd: project, env: userEnv }) };
            await running.process.waitFor(/^Up until Ctrl-C/m, 300_000);
            continue;
          }
          const ran = run(command);
          expect(ran.code, `${command}\n${ran.output.slice(-4000)}`).toBe(/exits 1/.test(comment) ? 1 : 0);
          for (const expected of EXPECTED.filter((e) => e.command.test(command))) expected.check(ran.output);
        }
        if (running) {
          running.process.interrupt('SIGINT');
          // Ctrl-C reaches the whole group, npx too: npm may end by the signal itself once tempest stopped (exit 0).
          const exit = await running.process.exit;
          if (exit === null) expect(running.process.child.signalCode, running.process.output()).toBe('SIGINT');
          else expect(exit, running.process.output()).toBe(0);
          expect(running.process.output()).toMatch(/^Stopped: /m);
          for (const expected of EXPECTED.filter((e) => e.command.test(running!.command))) expected.check(running.process.output());
        }
      },
      900_000,
    );
  }

  it('every file the guide and tempest init wrote typechecks in the project (CommonJS, node10 resolution)', () => {
    writeFileSync(
      path.join(project, 'tsconfig.tempest.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { noEmit: true },
        include: ['src', 'service', 'tempest', 'test', 'tempest.config.ts', 'vitest.config.mts'],
      }),
    );
    const typecheck = run('npx --no -- tsc -p tsconfig.tempest.json');
    expect(typecheck.code, typecheck.output).toBe(0);
  });
});
