/**
 * The workflow executions of one run, as their histories tell: the explored workflow's chain of runs (it may
 * continue as new) and the child workflows it starts (each with its own chain). Read again at every wake-up of a
 * waiting run; a run that closed is never read again. From it the run learns whether everything has reacted to
 * the last step, what the server holds the clock for, which timers may fire next, and where each activity call
 * belongs.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { History } from '../../base/history/history-file.ts';
import { type RunningTimer, WorkflowProgress } from '../../base/history/progress.ts';
import type { CallPlace, CallSource, RunCalls } from './doubles.ts';
import type { ExecutionRun } from './run-record.ts';

export interface RunState {
  runId: string;
  history: History;
  progress: WorkflowProgress;
  /** Its open activities' holds on the clock were given back (it closed while they were open). */
  released: boolean;
}

export interface Execution {
  /** '' for the explored workflow; a child's type and number among its type ('childWork-2'). */
  label: string;
  /** 0 for the explored workflow, then children in the order they were started. */
  rank: number;
  workflowId: string;
  workflowType: string;
  /** A child's task queue, as its parent started it. */
  taskQueue?: string;
  /** Its chain of runs, first to last (none for a child the server has not started yet). */
  runs: RunState[];
}

/** Why a run is not settled yet, and what to say if it never will be. */
export interface Waiting {
  reason: string;
  /** What it means when nothing changes any more. */
  stuck: string;
  /** It can never come (an activity or a child on a task queue no worker of the explorer polls): stuck at once. */
  never?: true;
}

export class ExecutionTree {
  readonly root: Execution;
  readonly children: Execution[] = [];

  constructor(
    private readonly client: WorkflowClient,
    root: { workflowId: string; runId: string; workflowType: string },
  ) {
    this.root = { label: '', rank: 0, workflowId: root.workflowId, workflowType: root.workflowType, runs: [this.newRun(root.runId)] };
  }

  private newRun(runId: string): RunState {
    return { runId, history: {}, progress: new WorkflowProgress(), released: false };
  }

  get executions(): Execution[] {
    return [this.root, ...this.children];
  }

  /** The explored workflow's current run (the last of its chain). */
  get current(): RunState {
    return this.root.runs.at(-1)!;
  }

  /** The explored workflow closed for good: its last run ended other than by continuing as new. */
  get ended(): boolean {
    const { outcome } = this.current.progress;
    return outcome.status !== 'running' && outcome.status !== 'continued-as-new';
  }

  /** Read every open run again, follow continue-as-new, and find the children the runs started. */
  async read(): Promise<void> {
    for (let i = 0; i < this.executions.length; i++) {
      const execution = this.executions[i]!;
      if (execution.runs.length === 0) continue;
      for (;;) {
        const run = execution.runs.at(-1)!;
        if (!run.progress.closed) await this.readRun(execution, run);
        const { outcome } = run.progress;
        if (outcome.status !== 'continued-as-new' || execution.runs.some((r) => r.runId === outcome.newRunId)) break;
        execution.runs.push(this.newRun(outcome.newRunId));
      }
      this.findChildren(execution);
    }
  }

  private async readRun(execution: Execution, run: RunState): Promise<void> {
    const history = await this.client.getHandle(execution.workflowId, run.runId).fetchHistory();
    for (const event of (history.events ?? []).slice(run.progress.eventsRead)) run.progress.read(event);
    run.history = history;
  }

  private findChildren(parent: Execution): void {
    for (const run of parent.runs) {
      for (const child of run.progress.children) {
        let execution = this.children.find((c) => c.workflowId === child.workflowId);
        if (!execution) {
          const number = this.children.filter((c) => c.workflowType === child.workflowType).length + 1;
          execution = {
            label: `${child.workflowType}-${number}`,
            rank: this.children.length + 1,
            workflowId: child.workflowId,
            workflowType: child.workflowType,
            taskQueue: child.taskQueue,
            runs: [],
          };
          this.children.push(execution);
        }
        if (child.runId && !execution.runs.some((r) => r.runId === child.runId)) execution.runs.push(this.newRun(child.runId));
      }
    }
  }

  /** The run with this id, of any execution. */
  runOf(runId: string): RunState | undefined {
    for (const execution of this.executions) {
      const run = execution.runs.find((r) => r.runId === runId);
      if (run) return run;
    }
    return undefined;
  }

  /** Runs still open, of every execution. */
  openRuns(): { execution: Execution; run: RunState }[] {
    return this.executions.flatMap((execution) => execution.runs.filter((run) => !run.progress.closed).map((run) => ({ execution, run })));
  }

  /** Where a call belongs: undefined for a call of no run of this tree. */
  placeOf(source: CallSource): CallPlace | undefined {
    for (const execution of this.executions) {
      if (execution.workflowId !== source.workflowId) continue;
      const index = execution.runs.findIndex((run) => run.runId === source.runId);
      if (index >= 0) return { execution: execution.label, executionRank: execution.rank, run: index + 1 };
    }
    return undefined;
  }

  /**
   * Runs that closed with activities still open: the server keeps those activities' holds on the clock forever
   * (it refuses their answers), so they are given back, once per run. Returns how many holds, and marks them.
   */
  takeAbandonedHolds(): { holds: number; runIds: Set<string> } {
    let holds = 0;
    const runIds = new Set<string>();
    for (const execution of this.executions) {
      for (const run of execution.runs) {
        if (!run.progress.closed || run.released) continue;
        run.released = true;
        runIds.add(run.runId);
        holds += run.progress.openActivities().length;
      }
    }
    return { holds, runIds };
  }

  /** The holds the server has on the clock for a settled tree: every open activity of an open run. */
  serverHolds(): number {
    return this.openRuns().reduce((sum, { run }) => sum + run.progress.openActivities().length, 0);
  }

  /** Timers running in any open run, soonest first. */
  runningTimers(): (RunningTimer & { execution: string })[] {
    return this.openRuns()
      .flatMap(({ execution, run }) => run.progress.runningTimers().map((timer) => ({ ...timer, execution: execution.label })))
      .sort((a, b) => a.firesAtMs - b.firesAtMs);
  }

  /** The longest timer any run started (for the default time bound). */
  longestTimerMs(): number {
    return Math.max(0, ...this.executions.flatMap((e) => e.runs.map((run) => run.progress.longestTimerMs)));
  }

  /**
   * What the tree still has to do before it has reacted to the last step: undefined when every open run has no
   * workflow task outstanding, no child or signal on its way, every open activity parked at its double, and every
   * timer due by `dueByMs` fired. What went to a task queue the explorer's worker does not poll (it polls
   * `taskQueue`) never comes: that is what it waits for once nothing else is on its way, marked `never`.
   */
  waitingFor(calls: RunCalls, dueByMs: number, startMs: number, taskQueue: string): Waiting | undefined {
    const elsewhere = (queue: string) =>
      queue !== '' && queue !== taskQueue
        ? ` on task queue '${queue}', which the explorer's worker does not poll (it polls '${taskQueue}')`
        : undefined;
    let never: Waiting | undefined;
    for (const { execution, run } of this.openRuns()) {
      const who = execution.label === '' ? 'the workflow' : `child ${execution.label}`;
      const { progress } = run;
      const task = progress.workflowTask;
      const taskElsewhere = elsewhere(execution.taskQueue ?? '');
      if (task && task.startedEventId === undefined && taskElsewhere) {
        never ??= {
          reason: 'a workflow task is scheduled',
          stuck: `${who}'s workflow task scheduled at event ${task.scheduledEventId} is never picked up: its workflow runs${taskElsewhere}`,
          never: true,
        };
        continue;
      }
      if (task) {
        return task.startedEventId === undefined
          ? {
              reason: 'a workflow task is scheduled',
              stuck: `${who}'s workflow task scheduled at event ${task.scheduledEventId} was never picked up`,
            }
          : {
              reason: 'a workflow task is running',
              stuck: `${who}'s workflow task started at event ${task.startedEventId} never completed; the worker has no activation for it`,
            };
      }
      const starting = progress.startingChildren()[0];
      if (starting)
        return {
          reason: 'a child is starting',
          stuck: `child workflow ${starting.workflowType} initiated at event ${starting.initiatedEventId} never started`,
        };
      if (progress.signalsOnTheirWay > 0)
        return { reason: 'a signal to another workflow is on its way', stuck: `${who}'s signal to another workflow was never delivered` };
      for (const activity of progress.openActivities()) {
        if (calls.hasParked({ workflowId: execution.workflowId, runId: run.runId, activityId: activity.activityId })) continue;
        const activityElsewhere = elsewhere(activity.taskQueue);
        if (activityElsewhere) {
          never ??= {
            reason: `${activity.activityType} went to another task queue`,
            stuck: `${who}'s activity ${activity.activityType} scheduled at event ${activity.scheduledEventId} never reaches its double: it was scheduled${activityElsewhere}`,
            never: true,
          };
          continue;
        }
        return {
          reason: `${activity.activityType} has not reached its double`,
          stuck: `${who}'s activity ${activity.activityType} scheduled at event ${activity.scheduledEventId} never reached its double`,
        };
      }
      const due = progress.runningTimers().find((timer) => timer.firesAtMs <= dueByMs);
      if (due)
        return {
          reason: `timer ${due.timerId} is due`,
          stuck: `${who}'s timer ${due.timerId} due at +${due.firesAtMs - startMs} ms never fired`,
        };
    }
    // A child that closed is settled only once its parent heard of it (the server holds the clock until then).
    for (const execution of this.children) {
      const last = execution.runs.at(-1);
      if (!last?.progress.closed || last.progress.outcome.status === 'continued-as-new') continue;
      const parentHeard = this.executions.some((parent) =>
        parent.runs.some((run) => run.progress.children.some((c) => c.workflowId === execution.workflowId && c.ended !== undefined)),
      );
      const parentOpen = this.executions.some((parent) =>
        parent.runs.some((run) => !run.progress.closed && run.progress.children.some((c) => c.workflowId === execution.workflowId)),
      );
      if (parentOpen && !parentHeard)
        return { reason: `child ${execution.label} closed`, stuck: `child ${execution.label} closed and its parent never heard of it` };
    }
    return never;
  }

  /** The first workflow task failure of any run (code that threw, non-determinism). */
  workflowTaskFailure(): string | undefined {
    for (const execution of this.executions)
      for (const run of execution.runs) {
        const failure = run.progress.workflowTaskFailure;
        if (failure) return execution.label === '' ? failure.message : `child ${execution.label}: ${failure.message}`;
      }
    return undefined;
  }

  /** A run of each execution as the record keeps it. */
  static runsOf(execution: Execution): ExecutionRun[] {
    return execution.runs.map((run) => ({ runId: run.runId, outcome: run.progress.outcome, history: run.history }));
  }
}
