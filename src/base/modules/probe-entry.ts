/**
 * The child process of probeModules (probe.ts): imports each file given on its command line in turn and says, one JSON
 * line each, when it starts one and how it ended: the error it threw (one line, with the line of a syntax error) or
 * the kinds of its exports. A file that never ends (a top-level await that never resolves, a loop) is the one its
 * parent names, before it kills this process.
 *
 * With `--create-activities <json>` first ({ file, shown, parts }), it then calls that file's createActivities
 * as a worker would (callCreateActivities, parts at addresses nothing listens on) and says what it made of it.
 */
import { type ActivitiesCall, ACTIVITIES_FLAG } from './probe.ts';
import { callCreateActivities, createActivitiesOf } from '../harness/system-parts.ts';
import { describeLoadError, importFile } from './user-module.ts';

const say = (event: object): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

// Alive until every file is done: a top-level await that never resolves must not let this process simply exit.
const keepAlive = setInterval(() => undefined, 60_000);
const args = process.argv.slice(2);
const call = args[0] === ACTIVITIES_FLAG ? (JSON.parse(args[1]!) as ActivitiesCall) : undefined;
const modules = new Map<string, Record<string, unknown>>();
for (const file of call ? args.slice(2) : args) {
  say({ loading: file });
  try {
    const module = await importFile(file);
    modules.set(file, module);
    say({ loaded: file, exports: Object.fromEntries(Object.entries(module).map(([name, value]) => [name, typeof value])) });
  } catch (error) {
    say({ loaded: file, error: describeLoadError(error, file), errorName: error instanceof Error ? error.name : 'Error' });
  }
}
const module = call && modules.get(call.file);
if (call && module) {
  say({ creating: call.file });
  // Nothing listens on port 9 of the loopback (discard, never served): a module that connects at once is refused.
  const parts = Object.fromEntries(
    call.parts.map((name) => [name, { host: '127.0.0.1', port: 9, address: '127.0.0.1:9', url: 'http://127.0.0.1:9' }]),
  );
  try {
    const made = await callCreateActivities(createActivitiesOf(module, call.shown), parts, call.shown, { atLoad: true });
    say({ created: call.file, ...(made ? { activities: Object.keys(made) } : { inconclusive: true }) });
  } catch (error) {
    say({ created: call.file, error: error instanceof Error ? error.message : String(error) });
  }
}
clearInterval(keepAlive);
process.exit(0);
