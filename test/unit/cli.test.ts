import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../toolchain/tools';

function tempest(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'tempest.mjs'), ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tempest CLI', () => {
  it('prints help listing its commands and exits 0', () => {
    const { code, stdout } = tempest('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tempest');
    expect(stdout).toMatch(/demo \[options\]/);
  });

  it('exits 2 and names the flag for an unknown option', () => {
    const { code, stderr } = tempest('demo', '--bogus');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--bogus'");
  });

  it('exits 2 for an unknown command', () => {
    const { code, stderr } = tempest('explode');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'explode'");
  });

  it('reports the toolchain as JSON', () => {
    const { code, stdout } = tempest('toolchain', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { tool: string; origin: string }[];
    expect(rows.map((r) => r.tool)).toEqual(['temporal', 'temporal-test-server', 'toxiproxy']);
  });

  it('exits 2 naming the variable when a tool override points nowhere', () => {
    const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'tempest.mjs'), 'toolchain'], {
      encoding: 'utf8',
      env: { ...process.env, TEMPEST_TOXIPROXY: '/nowhere/toxiproxy' },
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('TEMPEST_TOXIPROXY=/nowhere/toxiproxy is not an executable file');
  });
});
