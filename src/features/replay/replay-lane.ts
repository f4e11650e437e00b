/**
 * A replay lane as its own process (started by lanes.ts, never by hand): lane-loop.ts behind the IPC channel.
 * Apart from its parent it can be killed when the SDK's Core stops answering (it panics on some histories and
 * never returns), and it lets a run use every core.
 *
 * Messages (structured clone): in `LaneInit`, then `LaneHistory` per history; out `ready`, `progress`, `outcome`
 * per history in the order received, or `failed` when it cannot replay at all. It exits when its parent goes away.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { type FromLane, Inbox, replayLoop, type ToLane } from './lane-loop.ts';

const send = (message: FromLane): void => void process.send?.(message);
const inbox = new Inbox();

process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToLane) => {
  if (message.type !== 'init') {
    inbox.pushEncoded(message);
    return;
  }
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, console: {} } },
  });
  replayLoop(message, inbox, send).catch((error: unknown) => {
    send({ type: 'failed', message: (error instanceof Error ? error.message : String(error)).split('\n')[0]! });
    process.exit(1);
  });
});
