/**
 * The dependency direction, checked in `npm test` (test/unit/dependency-rules.test.ts): the engine (src/) knows
 * nothing of the examples; the examples use the engine only through its public entry points, exactly as a team's
 * project does; workflow code stays deterministic.
 */
const EXAMPLES = '^(workflows|activities|services|chaos|scenarios|interleavings|bench|scripts)/';
const PUBLIC_ENTRIES = '^src/(index|testing/index|vitest/index|replay/index|chaos/index|bench/index)[.]ts$';

module.exports = {
  forbidden: [
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
