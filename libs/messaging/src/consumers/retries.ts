/**
 * What every retry loop of the runners shares: how long to wait between attempts, and the handler context
 * that tells a retry loop whether the group took the messages away (then nothing is retried: they are
 * delivered again, here or to another member).
 */
import { HandlerContext } from './consumer-spec';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits before the next attempt of an effect (doubling from 100 ms up to 5 s), then heartbeats. */
export async function backOff(attempt: number, heartbeat: () => Promise<void>): Promise<void> {
  await sleep(Math.min(5000, 50 * 2 ** Math.min(attempt, 7)));
  await heartbeat().catch(() => undefined);
}

/** The context handed to a handler; `membershipLost` says whether its heartbeat found the group rebalancing. */
export function watchedContext(heartbeat: () => Promise<void>, isStopped: () => boolean) {
  let lost = false;
  const context: HandlerContext = {
    heartbeat: async () => {
      try {
        await heartbeat();
      } catch (err) {
        lost = true;
        throw err;
      }
    },
    isRunning: () => !isStopped(),
  };
  return { context, membershipLost: () => lost };
}
