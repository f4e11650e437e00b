#!/usr/bin/env node
/**
 * `npm test`: the type check and the formatter's check, then every vitest project (or the vitest arguments given), with every temporary file
 * of the run (the tests' own, and those of the servers, CLIs and browsers they start) under one directory that is
 * removed when the run ends, however it ends: a test run leaves nothing behind in the machine's temporary folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = mkdtempSync(path.join(os.tmpdir(), 'tempest-test-'));
const env = { ...process.env, TMPDIR: root };
let child;
// Ctrl-C reaches the children through the terminal's process group; this process waits for them, then cleans up.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child?.kill(signal));

function run(command, args) {
  return new Promise((resolve) => {
    child = spawn(command, args, { stdio: 'inherit', env });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)));
  });
}

const bin = (name) => path.join(import.meta.dirname, '..', 'node_modules', '.bin', name);
// The static checks first: types, then the formatter's check (a file it would change fails the run).
let code = await run(bin('tsc'), ['--noEmit', '-p', '.']);
if (code === 0) code = await run(bin('prettier'), ['--check', '--log-level', 'warn', '.']);
if (code === 0) code = await run(bin('vitest'), ['run', ...process.argv.slice(2)]);
rmSync(root, { recursive: true, force: true });
process.exit(code);
