/**
 * tempest's own examples use tempest the way any team does: this config points it at the packaged workflows, the
 * bank-and-store system, its scenarios, benchmark workloads and recorded histories.
 */
import { defineConfig } from 'tempest';

export default defineConfig({
  workflows: 'workflows/index.ts',
  system: 'chaos/system.ts',
  scenarios: 'scenarios',
  benchmarks: 'bench/workloads.ts',
  corpus: 'replay-histories',
});
