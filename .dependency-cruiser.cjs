/**
 * The dependency direction, checked in `npm test` (test/unit/dependency-rules.test.ts). Inside the engine (src/),
 * three layers, low to high: base/ (vocabulary, history reading, the harness that starts real parts, toolchain,
 * config, modules), features/ (replay, testing, interleave, chaos, bench), entries/ (the public barrels, vitest,
 * cli); no import runs downward to upward. The engine knows nothing of the examples; the examples use it only
 * through its public entries, exactly as a team's project does; workflow code stays deterministic.
 */
const EXAMPLES = '^(workflows|activities|services|chaos|scenarios|interleavings|bench|scripts)/';
const PUBLIC_ENTRIES = '^src/entries/(index|[a-z-]+/index)[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'base-imports-no-feature-or-entry',
      comment:
        'src/base/ is the lowest layer (the shared vocabulary, history reading, the harness that starts real parts, toolchain, config, modules): it imports nothing above it.',
      severity: 'error',
      from: { path: '^src/base/' },
      to: { path: '^src/(features|entries)/' },
    },
    {
      name: 'features-import-no-entry',
      comment:
        'src/features/ (replay, testing, interleave, chaos, bench) sit under the entries (the public barrels, vitest, cli): they never import one.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/entries/' },
    },
    {
      name: 'features-are-independent-but-replay',
      comment:
        'A feature imports another only to replay (testing, interleave, chaos and bench all replay histories); so replay itself imports no other feature.',
      severity: 'error',
      from: { path: '^src/features/([a-z-]+)/' },
      to: { path: '^src/features/([a-z-]+)/', pathNot: ['^src/features/$1/', '^src/features/replay/'] },
    },
    {
      name: 'engine-knows-no-example',
      comment: 'src/ is the engine a team installs: it must not import the packaged examples (or the tests).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: `${EXAMPLES}|^test/` },
    },
    {
      name: 'examples-use-the-public-api',
      comment: "The examples are the engine's first user: they import `tempest` and `tempest/<entry>`, never its insides.",
      severity: 'error',
      from: { path: EXAMPLES },
      to: { path: '^src/', pathNot: PUBLIC_ENTRIES },
    },
    {
      name: 'workflows-are-deterministic',
      comment: 'Workflow code runs in the deterministic sandbox: no Node built-ins, no activities, no services.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'workflows-import-no-side-effects',
      comment: 'Workflow code reaches services only through activities, whose types alone it imports (proxyActivities<Activities>).',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(activities|services)/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
