/**
 * The child process of probeModules (probe.ts): imports each file given on its command line in turn and says, one JSON
 * line each, when it starts one and how it ended: the error it threw (one line, with the line of a syntax error) or
 * the kinds of its exports. A file that never ends (a top-level await that never resolves, a loop) is the one its
 * parent names, before it kills this process.
 */
import { describeLoadError, importFile } from './user-module.ts';

// Alive until every file is done: a top-level await that never resolves must not let this process simply exit.
const keepAlive = setInterval(() => undefined, 60_000);
for (const file of process.argv.slice(2)) {
  process.stdout.write(`${JSON.stringify({ loading: file })}\n`);
  try {
    const module = await importFile(file);
    const exports = Object.fromEntries(Object.entries(module).map(([name, value]) => [name, typeof value]));
    process.stdout.write(`${JSON.stringify({ loaded: file, exports })}\n`);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    process.stdout.write(`${JSON.stringify({ loaded: file, error: describeLoadError(error, file), errorName: name })}\n`);
  }
}
clearInterval(keepAlive);
process.exit(0);
