import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { tempest } from './src/entries/vitest/index.ts';

/** The examples import tempest's public API (`tempest`, `tempest/chaos`, ...): here that is the entries' sources in src/entries/. */
const sources = fileURLToPath(new URL('./src/entries/', import.meta.url));

/**
 * The projects, each runnable alone with `--project <name>`; `npm test` runs them all.
 * - unit: services and activities against real in-process service instances, and pure logic. No Temporal server.
 * - replay: the committed history corpus and deliberately changed workflows, replayed (no server needed).
 * - workflows: every workflow branch in the time-skipping test server, against the real services.
 * - interleave: workflows explored under many orderings in the time-skipping test server, activities as doubles.
 * - e2e: the real dev server, services as processes, and workers.
 * - chaos: chaos clusters (dev server, services, Toxiproxy, worker processes), one per file, faulted for real.
 * - package: tempest packed and installed into a separate project, which it proves from there.
 * Two files run at once. Servers are started once per project (the tempest/vitest plugin, as a team's suite would use it) or once per file
 * (the time-skipping server: time skipping is global to a server, so files that run in parallel each need their
 * own), never per test.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^tempest$/, replacement: `${sources}index.ts` },
      { find: /^tempest\/([a-z-]+)$/, replacement: `${sources}$1/index.ts` },
    ],
  },
  test: {
    reporters: ['verbose'],
    // Two files at a time, on any machine: the suites mostly wait on servers and processes (vitest's default on two
    // cores is one file at a time). Each file starts its own servers, so files never share state.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'replay', include: ['test/replay/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        plugins: [tempest({ devServer: false, parts: true, bundle: true })],
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'interleave', include: ['test/interleave/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        plugins: [tempest({ parts: true, bundle: true })],
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: { name: 'chaos', include: ['test/chaos/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          // tempest packed once for the project's files (packing builds dist/, which two files must not do at once)
          globalSetup: ['test/support/packed.global.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
