/** Switchyard on any engine as a compare target: `Queue.send`, and a receive loop with 16 in flight. */
import type { Broker } from '@switchyard/core';
import { Semaphore } from '../lib.js';
import type { CompareTarget } from './workload.js';

/**
 * The consumer keeps at most 16 messages leased and unacknowledged: a slot frees when the
 * handler has run and its ack has resolved, and each receive asks for as many as are free.
 */
export async function switchyardTarget(broker: Broker, durability: string, cleanup: () => Promise<void>, notes: Record<string, unknown> = {}): Promise<CompareTarget> {
  const q = await broker.createQueue('compare', { visibilityTimeoutMs: 60_000 });
  let stopped = false;
  let loop: Promise<void> | undefined;
  return {
    durability,
    notes: { consumer: 'receive loop, 16 leased at most; ack awaited before a slot frees', ...notes },
    send: (body, headers) => q.send({ body, headers }).then(() => undefined),
    startConsumer(onMessage) {
      const slots = new Semaphore(16);
      loop = (async () => {
        while (!stopped) {
          await slots.acquire();
          let want = 1;
          while (slots.free > 0) {
            await slots.acquire();
            want++;
          }
          const batch = await q.receive({ max: want, waitMs: 1000 });
          for (let i = batch.length; i < want; i++) slots.release();
          for (const m of batch) {
            onMessage(m.headers);
            q.ack(m).then(
              () => slots.release(),
              (err: unknown) => {
                console.error(err);
                slots.release();
              },
            );
          }
        }
      })();
      return Promise.resolve();
    },
    async close() {
      stopped = true;
      await loop;
      await broker.close();
      await cleanup();
    },
  };
}
