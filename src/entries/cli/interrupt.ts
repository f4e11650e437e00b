import { setMaxListeners } from 'node:events';
import { interruptStarts } from '../../base/harness/process.ts';
import { Interrupted } from '../../base/errors.ts';

/**
 * A Ctrl-C that reaches the process twice at once is one: in a terminal, the signal goes to the whole process group,
 * and `npx` (npm exec) passes the one it received on to the program as well.
 */
const SAME_INTERRUPT_MS = 1000;

/**
 * Ctrl-C handling for long-running commands: the first SIGINT (or SIGTERM) aborts the returned signal so the
 * command can stop its servers cleanly; a second one, pressed later, exits at once (child processes are still killed
 * on exit).
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  // Every in-flight client call listens on this signal; there can be hundreds.
  setMaxListeners(0, controller.signal);
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      if (Date.now() - firstAt < SAME_INTERRUPT_MS) return;
      process.exit(130);
    }
    firstAt = Date.now();
    process.stderr.write(`\ntempest: ${signal} received, stopping (press Ctrl-C again to exit at once)\n`);
    const reason = new Error(`interrupted by ${signal}`);
    controller.abort(reason);
    interruptStarts(reason); // a cluster or server still starting stops now, not once it is up
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** Resolves when the signal aborts. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Run `work`, but reject with Interrupted as soon as the signal aborts (the caller's `finally` cleans up). */
export async function unlessInterrupted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  const interrupted = whenAborted(signal).then(() => {
    throw new Interrupted('interrupted; stopped the servers');
  });
  work.catch(() => undefined);
  return Promise.race([work, interrupted]);
}
