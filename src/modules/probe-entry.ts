/**
 * The child process of probeModules (probe.ts): imports each file given on its command line in turn and says, one JSON
 * line each, when it starts and ends one. A file that never ends (a top-level await that never resolves, a loop) is
 * the one its parent names, before it kills this process.
 */
import { pathToFileURL } from 'node:url';

// Alive until every file is done: a top-level await that never resolves must not let this process simply exit.
const keepAlive = setInterval(() => undefined, 60_000);
for (const file of process.argv.slice(2)) {
  process.stdout.write(`${JSON.stringify({ loading: file })}\n`);
  try {
    await import(pathToFileURL(file).href);
    process.stdout.write(`${JSON.stringify({ loaded: file })}\n`);
  } catch {
    // The error itself is reported when the file is really loaded: here only whether it ends matters.
    process.stdout.write(`${JSON.stringify({ loaded: file })}\n`);
  }
}
clearInterval(keepAlive);
process.exit(0);
