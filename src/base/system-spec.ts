/**
 * What a system is made of, as every capability sees it: the parts it runs (services, databases: each a process
 * tempest starts on the port it gives it) and its workers (a workflows module, an activities module built from the
 * parts' addresses, task queues). The chaos engine's `defineSystem` adds a workload and invariants on top; tests,
 * benchmarks and `tempest up` need only this. Checked eagerly: a bad part fails with the field that is wrong.
 */
import type { ProjectPath } from './config/config.ts';
import { check, DefinitionError, isRecord } from './definition.ts';
import { type Duration, durationMs } from './duration.ts';

/** Where a part listens, as the caller reaches it (directly, or through a link's proxy). */
export interface PartAddress {
  host: string;
  port: number;
  /** host:port */
  address: string;
  /** http://host:port */
  url: string;
}

export interface PartStartContext {
  /** The port it must listen on: the same on every restart, so links and clients keep reaching it. */
  port: number;
  /** The interface it must listen on (127.0.0.1, or 0.0.0.0 in a container on a bridge network). */
  host: string;
  /** Its own state directory, kept across restarts (a database's files survive a kill -9). */
  dataDir: string;
  /** Where each part it depends on is, through that dependency's link (so faults on the link hit it). */
  dependencies: Record<string, PartAddress>;
  /** The project root (the config file's folder): relative paths in the command start here. */
  projectRoot: string;
}

/** A command to run: `command` with `args`, in `cwd` (default: the project root), with `env` added to tempest's environment. */
export interface PartCommand {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** When a starting part is ready: a line it prints (stdout or stderr), an HTTP path that answers 2xx, or its port accepting connections. */
export type Readiness = { log: string | RegExp } | { http: string } | { tcp: true };

export interface PartSpec {
  /** How to start it. Called for every start, with the same port and data directory each time. */
  start(context: PartStartContext): PartCommand;
  /** When it is ready; by default, when its port accepts connections. */
  ready?: Readiness;
  /** How long it may take to become ready (default 60 s). */
  readyTimeout?: Duration;
  /** The parts it calls: each of these connections goes through a link of its own, `<part>-<dependency>`. */
  dependsOn?: string[];
  /** For the docker provider: an image whose entrypoint runs `command` (by default, Node commands run in tempest's Node image). */
  docker?: { image: string };
}

export interface WorkersSpec {
  /** The workflows module (default: the config's `workflows`). */
  workflows?: ProjectPath;
  /** A module exporting `createActivities(context: ActivityContext)` (or a default export of that function). */
  activities: ProjectPath;
  taskQueues: string[];
  /** Worker processes (default 2; a scenario's `workers` overrides it). */
  count?: number;
  /** The parts the activities call, each through a link `worker-<part>` (default: every part). */
  uses?: string[];
}

/** What `createActivities` of a system's activities module is given, in the worker process. */
export interface ActivityContext {
  /** Each part the workers use, through its `worker-<part>` link. */
  parts: Record<string, PartAddress>;
}

export interface PartLink {
  name: string;
  /** Who calls through it: 'worker', or a part. */
  from: string;
  /** The part it reaches. */
  to: string;
}

export const KEBAB = /^[a-z][a-z0-9-]*$/;
/** Names a part cannot take: they are the cluster's own processes. */
const RESERVED_PARTS = new Set(['temporal', 'toxiproxy', 'worker', 'client', 'harness', 'nemesis']);

function checkPart(name: string, part: unknown, names: readonly string[]): void {
  const field = `parts.${name}`;
  check(
    KEBAB.test(name) && !RESERVED_PARTS.has(name) && !/^worker-\d+$/.test(name),
    field,
    `a part is named in kebab-case and not ${[...RESERVED_PARTS].join(', ')} or worker-<n>`,
  );
  check(isRecord(part), field, 'expected an object with start(context) returning { command, args }');
  check(
    typeof part.start === 'function',
    `${field}.start`,
    'expected a function ({ port, host, dataDir, dependencies }) => ({ command, args })',
  );
  const ready = part.ready;
  if (ready !== undefined) {
    const ok =
      isRecord(ready) &&
      (('log' in ready && (typeof ready.log === 'string' || ready.log instanceof RegExp)) ||
        ('http' in ready && typeof ready.http === 'string' && ready.http.startsWith('/')) ||
        ('tcp' in ready && ready.tcp === true));
    check(ok, `${field}.ready`, "expected { log: 'text' | /regexp/ }, { http: '/path' } or { tcp: true }");
  }
  if (part.readyTimeout !== undefined) durationMs(part.readyTimeout, `${field}.readyTimeout`);
  if (part.dependsOn !== undefined) {
    check(Array.isArray(part.dependsOn), `${field}.dependsOn`, 'expected a list of part names');
    part.dependsOn.forEach((dependency: unknown, i: number) => {
      check(
        typeof dependency === 'string' && names.includes(dependency) && dependency !== name,
        `${field}.dependsOn[${i}]`,
        `expected another part (${names.filter((n) => n !== name).join(', ') || 'there is none'}), got ${JSON.stringify(dependency)}`,
      );
    });
  }
  if (part.docker !== undefined)
    check(isRecord(part.docker) && typeof part.docker.image === 'string', `${field}.docker`, "expected { image: 'name:tag' }");
}

/** Parts in an order where every part comes after the parts it depends on; throws naming a cycle. */
export function startOrder(parts: Record<string, Pick<PartSpec, 'dependsOn'>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new DefinitionError(`parts.${name}.dependsOn: a cycle (${[...path, name].join(' -> ')})`);
    state.set(name, 'visiting');
    for (const dependency of parts[name]?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(parts)) visit(name, []);
  return order;
}

/** What starting a system needs: its parts, and its workers with their modules resolved from the project root. */
export interface RunnableSystem {
  name: string;
  parts: Record<string, PartSpec>;
  workers: WorkersSpec;
  workflowsPath: string;
  activitiesPath: string;
}

/** The name, parts and workers of a system definition, checked, with `workers.uses` filled in and the part links named. */
export function checkSystemParts(s: Record<string, unknown>): {
  parts: Record<string, PartSpec>;
  workers: WorkersSpec & { uses: string[] };
  partLinks: PartLink[];
} {
  check(typeof s.name === 'string' && KEBAB.test(s.name), 'name', `expected kebab-case, got ${JSON.stringify(s.name)}`);
  const parts = (s.parts ?? {}) as Record<string, unknown>;
  check(isRecord(parts), 'parts', 'expected an object of parts by name');
  const names = Object.keys(parts);
  for (const name of names) checkPart(name, parts[name], names);
  startOrder(parts as Record<string, PartSpec>);

  const workers = s.workers as Record<string, unknown> | undefined;
  check(isRecord(workers), 'workers', 'expected { workflows, activities, taskQueues }');
  const isPath = (value: unknown): boolean => value instanceof URL || (typeof value === 'string' && value.trim() !== '');
  check(workers.workflows === undefined || isPath(workers.workflows), 'workers.workflows', 'expected the path of the workflows module');
  check(isPath(workers.activities), 'workers.activities', 'expected the path of a module exporting createActivities({ parts })');
  check(
    Array.isArray(workers.taskQueues) &&
      workers.taskQueues.length > 0 &&
      workers.taskQueues.every((q) => typeof q === 'string' && q !== ''),
    'workers.taskQueues',
    'expected a non-empty list of task queue names',
  );
  check(
    workers.count === undefined ||
      (Number.isSafeInteger(workers.count) && (workers.count as number) >= 1 && (workers.count as number) <= 8),
    'workers.count',
    `expected 1 to 8, got ${JSON.stringify(workers.count)}`,
  );
  const uses = (workers.uses ?? names) as unknown;
  check(Array.isArray(uses), 'workers.uses', 'expected a list of part names');
  uses.forEach((part: unknown, i: number) =>
    check(
      typeof part === 'string' && names.includes(part),
      `workers.uses[${i}]`,
      `expected one of the parts (${names.join(', ') || 'there is none'}), got ${JSON.stringify(part)}`,
    ),
  );

  const partLinks: PartLink[] = [
    ...(uses as string[]).map((part) => ({ name: `worker-${part}`, from: 'worker', to: part })),
    ...names.flatMap((name) =>
      ((parts[name] as PartSpec).dependsOn ?? []).map((dependency) => ({ name: `${name}-${dependency}`, from: name, to: dependency })),
    ),
  ];
  return {
    parts: parts as Record<string, PartSpec>,
    workers: { ...(workers as unknown as WorkersSpec), uses: uses as string[] },
    partLinks,
  };
}
