/**
 * The `tempest` command line. Subcommands load their modules lazily, so `--help` stays instant.
 * Exit codes: 0 ok, 1 a verdict failed, 2 a usage or harness error (see cli/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { PROJECT_ROOT } from '../toolchain/tools';
import { EXIT, exitCodeOf } from './errors';

const { version } = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('tempest')
    .description('Prove Temporal workflows correct: time-skipping tests, replay, chaos under real faults, benchmarks.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('demo')
    .description(
      'Start a local Temporal dev server (with Web UI), the bank and store services and a worker; run money transfers and orders; print the results and the audit.',
    )
    .option('--json', 'print the results as JSON instead of text')
    .option('--keep-running', 'keep the servers up after the run (until Ctrl-C) to explore the Web UI')
    .option('--data-dir <dir>', 'keep the services\' databases and the logs here (default: a new temporary directory)')
    .action(async (options: { json?: boolean; keepRunning?: boolean; dataDir?: string }) => {
      const { runDemo } = await import('./commands/demo');
      await runDemo(options);
    });

  program
    .command('toolchain')
    .description('Show the pinned external binaries (toolchain/manifest.json) and which copy of each would run.')
    .addOption(new Option('--json', 'print as JSON'))
    .action(async (options: { json?: boolean }) => {
      const { showToolchain } = await import('./commands/toolchain');
      process.exitCode = showToolchain(options);
    });

  const bench = program.command('bench').description('Benchmark workflow throughput and retry latency; compare two reports with real statistics.');
  bench
    .command('run')
    .description('Run benchmark suites against real servers and services; write a versioned JSON report (tempest.bench/v1).')
    .option('--suite <names>', 'comma-separated suites to run (default: all; see `tempest bench suites`)')
    .option('--out <file>', 'write the report here (default: .tempest/bench/bench-<time>.json)')
    .option('--quick', 'tiny counts: proves the suites work in seconds; numbers are rough')
    .option('--data-dir <dir>', 'keep the services\' databases and the servers\' logs here (default: a temporary directory, removed after a successful run)')
    .option('--json', 'print the report as JSON instead of a summary')
    .action(async (options: import('./commands/bench').BenchRunOptions) => {
      const { runBench } = await import('./commands/bench');
      await runBench(options);
    });
  bench
    .command('compare')
    .description('Compare two reports: medians with spread, change, Mann-Whitney U (~ when not significant), geometric mean. Exit 1 when a significant regression exceeds the threshold.')
    .argument('<base>', 'the baseline report (e.g. from main)')
    .argument('<head>', 'the report to judge (e.g. from your branch)')
    .option('--threshold <percent>', 'fail on a significant regression larger than this', '10')
    .option('--alpha <p>', 'significance level of the Mann-Whitney U test', '0.05')
    .option('--markdown <file>', 'also write the comparison as Markdown to this file (for a CI step summary, append stdout instead)')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .option('--json', 'print the comparison as JSON instead of Markdown')
    .action(async (base: string, head: string, options: import('./commands/bench').BenchCompareOptions) => {
      const { compareBench } = await import('./commands/bench');
      compareBench(base, head, options);
    });
  bench
    .command('suites')
    .description('List the benchmark suites.')
    .action(async () => {
      const { listSuites } = await import('./commands/bench');
      listSuites();
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end in a CommanderError too, with exit code 0; anything else is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usageOrHarness;
    }
    process.stderr.write(`tempest: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeOf(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
