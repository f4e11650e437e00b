import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/base/toolchain/tools';
import { tempestSync } from '../support/cli';

const tempest = (...args: string[]) => tempestSync(args);

describe('tempest CLI', () => {
  it('prints help listing its commands and exits 0', () => {
    const { code, stdout } = tempest('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tempest');
    for (const command of ['setup', 'toolchain', 'bench', 'replay', 'chaos', 'histories'])
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
  });

  it('exits 2 and names the flag for an unknown option', () => {
    const { code, stderr } = tempest('setup', '--bogus');
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
    expect(rows.map((r) => r.tool)).toEqual([
      'temporal',
      'temporal-test-server',
      'frozen-clock',
      'toxiproxy',
      'temporal-server',
      'temporal-sql-tool',
    ]);
  });

  it('setup: installs nothing when the pinned tools are in the cache, and names an unknown tool with exit 2', () => {
    const present = tempest('setup', '--json');
    expect(present.code).toBe(0);
    expect((JSON.parse(present.stdout) as { tool: string; installed: boolean }[]).map((r) => [r.tool, r.installed])).toEqual([
      ['temporal', false],
      ['temporal-test-server', false],
      ['frozen-clock', false],
      ['toxiproxy', false],
      ['temporal-server', false],
      ['temporal-sql-tool', false],
    ]);
    const unknown = tempest('setup', 'postgres');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'tempest: unknown tool postgres (known: temporal, temporal-test-server, frozen-clock, toxiproxy, temporal-server, temporal-sql-tool)\n',
    );
  });

  it('exits 0 right after `tempest setup` when only the optional services-cluster tools are missing, and lists them as optional', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tempest-toolchain-'));
    try {
      // A cache holding what `tempest setup` installs without names: everything but the services cluster's tools.
      for (const tool of ['temporal', 'temporal-test-server', 'frozen-clock', 'toxiproxy']) {
        const spec = loadManifest().tools[tool as 'temporal'];
        const dir = path.join(cache, 'tools', `${tool}-${spec.version}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, spec.binary), '#!/bin/sh\n', { mode: 0o755 });
      }
      const env = { TEMPEST_CACHE: cache, PATH: '/usr/bin:/bin' };
      const text = tempestSync(['toolchain'], { env });
      expect(text.code, text.stdout + text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^temporal-server +\S+ +missing +not installed \(optional: the services cluster .*\); `npx tempest setup temporal-server`$/m,
      );
      const json = tempestSync(['toolchain', '--json'], { env });
      expect(json.code).toBe(0);
      const rows = JSON.parse(json.stdout) as { tool: string; origin: string; optional?: string }[];
      expect(rows.filter((r) => r.origin === 'missing').map((r) => [r.tool, Boolean(r.optional)])).toEqual([
        ['temporal-server', true],
        ['temporal-sql-tool', true],
      ]);
      // A tool every project needs, missing: exit 2.
      rmSync(path.join(cache, 'tools', `toxiproxy-${loadManifest().tools.toxiproxy.version}`), { recursive: true });
      expect(tempestSync(['toolchain'], { env }).code).toBe(2);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the variable when a tool override points nowhere', () => {
    const result = tempestSync(['toolchain'], { env: { TEMPEST_TOXIPROXY: '/nowhere/toxiproxy' } });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('TEMPEST_TOXIPROXY=/nowhere/toxiproxy is not an executable file');
  });
});
