/**
 * One Ctrl-C stops a command cleanly even when it arrives twice at once (`npx tempest up` in a terminal: the
 * terminal signals the whole process group, and npm passes its own signal on); a second press, later, exits at once.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo';

/** A process that sets up interruptSignal, is sent SIGINT twice `apartMs` apart, and says whether it kept running. */
function interruptedTwice(apartMs: number): { code: number | null; stdout: string } {
  const script = `
    const { interruptSignal } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/entries/cli/interrupt.ts'))});
    const signal = interruptSignal();
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => process.kill(process.pid, 'SIGINT'), ${apartMs});
    setTimeout(() => { console.log(signal.aborted ? 'stopping cleanly' : 'not interrupted'); process.exit(0); }, ${apartMs} + 300);
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout };
}

describe('Ctrl-C', () => {
  it('delivered twice at once is one: the command goes on stopping cleanly', () => {
    expect(interruptedTwice(20)).toEqual({ code: 0, stdout: 'stopping cleanly\n' });
  });

  it('pressed again later exits at once, with 130', () => {
    expect(interruptedTwice(1200).code).toBe(130);
  });
});
