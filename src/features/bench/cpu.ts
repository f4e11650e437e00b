/**
 * CPU time from the operating system's own accounting (Linux /proc): of a process (the server, a part), and of the
 * whole machine, so a run can tell how much CPU work that is not its own competed with it ("other work", in cores).
 * Elsewhere (macOS) accounting is unavailable: the readers return undefined and the report says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export function cpuAccountingAvailable(): boolean {
  return machineTicks() !== undefined;
}

/**
 * CPU time of a process's live threads in ms, from their schedstat (nanoseconds: a round of 8 workflows is too short
 * for /proc/<pid>/stat's 10 ms ticks). Undefined when the process is gone or /proc is not there.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in ticks, its ended threads included (/proc/<pid>/stat); 0 when it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Busy and total ticks of every CPU of the machine (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - values[3]! - values[4]!, total };
  } catch {
    return undefined;
  }
}

/** This process and every process it started, and theirs (the server, the parts, PostgreSQL's backends, workers). */
export function ownProcesses(root: number = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // it ended between the listing and the read
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []));
  return found;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface OtherWorkMark {
  machine: { busy: number; total: number };
  /** Ticks of each of the run's processes at the mark. */
  own: Map<number, number>;
}

/**
 * How much CPU work that is not the run's own the machine did between two marks, in cores: its busy time minus the
 * time of this process and everything it started (and `extraPids`: the run's processes it did not start, say
 * workers on this host). 0.5 means other work kept half a core busy on average. Undefined without /proc.
 */
export class OtherWork {
  constructor(private readonly extraPids: () => number[] = () => []) {}

  mark(): OtherWorkMark | undefined {
    const machine = machineTicks();
    if (!machine) return undefined;
    const pids = new Set([...ownProcesses(), ...this.extraPids()]);
    return { machine, own: new Map([...pids].map((pid) => [pid, processTicks(pid)])) };
  }

  /** Cores of other work from `start` to `end` (marks of this gauge). */
  static between(start: OtherWorkMark | undefined, end: OtherWorkMark | undefined): number | undefined {
    if (!start || !end) return undefined;
    const total = end.machine.total - start.machine.total;
    if (total <= 0) return 0;
    // A process started between the marks counts from 0; one that ended took its ticks with it (a small error).
    let ours = 0;
    for (const [pid, ticks] of end.own) ours += Math.max(0, ticks - (start.own.get(pid) ?? 0));
    const busy = end.machine.busy - start.machine.busy;
    return Math.max(0, ((busy - ours) / total) * os.cpus().length);
  }
}
