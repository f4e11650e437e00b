/**
 * How long tempest takes to exit after Ctrl-C in each phase of a chaos run and a benchmark run: the CLI is started
 * on the packaged system, SIGINT is sent when its output shows the phase has begun, and the time to exit is
 * measured (with the exit code, which must be 130). A measurement, not a test: these machines are shared and noisy.
 *
 *   node --import ./scripts/register.mjs scripts/interrupt-latency.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'tempest.mjs');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'tempest-interrupts-'));

interface Phase {
  command: string;
  phase: string;
  args: string[];
  /** Output that shows the phase has begun. */
  begun: RegExp;
}

const late = path.join(root, 'test', 'fixtures', 'chaos', 'late-fault-scenario.ts');
const phases: Phase[] = [
  {
    command: 'chaos run',
    phase: 'cluster start',
    args: ['chaos', 'run', 'worker-killed', '--seed', '1'],
    begun: /starting the local cluster/,
  },
  { command: 'chaos run', phase: 'workload under faults', args: ['chaos', 'run', 'worker-killed', '--seed', '1'], begun: /fault f0:/ },
  { command: 'chaos run', phase: 'waiting for a late fault', args: ['chaos', 'run', late, '--seed', '1'], begun: /2\/2 operations done/ },
  { command: 'chaos run', phase: 'settle', args: ['chaos', 'run', 'worker-killed', '--seed', '1'], begun: /waiting up to/ },
  { command: 'bench run', phase: 'server start', args: ['bench', 'run', '--suite', 'throughput'], begun: /warming up/ },
  { command: 'bench run', phase: 'sampling', args: ['bench', 'run', '--suite', 'throughput'], begun: /sample 1\// },
  { command: 'bench run', phase: 'time-skipping', args: ['bench', 'run', '--suite', 'time-skipping'], begun: /timing/ },
];

async function measure(phase: Phase, index: number): Promise<{ seconds: number; code: number | null } | undefined> {
  const extra =
    phase.command === 'chaos run'
      ? ['--report', path.join(scratch, `report-${index}`)]
      : ['--out', path.join(scratch, `bench-${index}.json`)];
  const child = spawn(process.execPath, [bin, ...phase.args, ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let interruptedAt = 0;
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    if (interruptedAt === 0 && phase.begun.test(output)) {
      interruptedAt = performance.now();
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (interruptedAt === 0) {
    process.stderr.write(`${phase.command} / ${phase.phase}: ended (exit ${code}) before the phase showed\n${output}\n`);
    return undefined;
  }
  return { seconds: (performance.now() - interruptedAt) / 1000, code };
}

try {
  process.stdout.write('| command | phase | Ctrl-C to exit | exit code |\n|---|---|---|---|\n');
  for (const [index, phase] of phases.entries()) {
    const result = await measure(phase, index);
    process.stdout.write(
      `| ${phase.command} | ${phase.phase} | ${result ? `${result.seconds.toFixed(2)} s` : 'not reached'} | ${result?.code ?? '-'} |\n`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
