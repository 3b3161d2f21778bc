/**
 * The fault scenario every engine runs: eight producers send `messages` messages while a
 * consumer receives and acks; a third of the way in, the server is killed and started again.
 * Afterwards every send that resolved was received, no message was delivered again after its
 * ack resolved, and no acked message is still stored.
 */
import assert from 'node:assert/strict';
import { Broker, type Delivery, type Engine } from '@switchyard/core';
import type { RestartableServer } from './restartable.js';

export async function restartRun({
  server,
  open,
  messages,
}: {
  server: Pick<RestartableServer, 'restart'>;
  open: () => Promise<Engine>;
  messages: number;
}): Promise<{ beforeRestart: number; afterRestart: number; failedSends: number }> {
  const broker = new Broker(await open());
  try {
    const q = await broker.createQueue('restart', { visibilityTimeoutMs: 2_000 });
    const sent = new Set<string>();
    const received = new Set<string>();
    const acked = new Set<string>();
    const resurrected: string[] = [];
    let failedSends = 0;
    let restarted = false;
    let beforeRestart = 0;
    let producing = true;
    // Ends the consumer when the run is judged, even if it never received everything.
    let stopped = false;

    const consumer = (async () => {
      while (!stopped && (producing || [...sent].some((id) => !received.has(id)))) {
        let batch: Delivery[];
        try {
          batch = await q.receive({ max: 16, waitMs: 500 });
        } catch {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        for (const d of batch) {
          if (acked.has(d.id)) resurrected.push(d.id);
          received.add(d.id);
          q.ack(d).then(
            () => void acked.add(d.id),
            () => undefined,
          );
        }
      }
    })();

    let restarting: Promise<void> | undefined;
    let next = 0;
    const producer = async () => {
      while (next < messages) {
        const i = next++;
        if (i === Math.floor(messages / 3)) {
          beforeRestart = sent.size;
          restarting = server.restart().then(() => void (restarted = true));
        }
        const id = `m-${i}`;
        try {
          await q.send({ id, body: { i } });
          sent.add(id);
        } catch {
          failedSends++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, producer));
    await restarting;
    producing = false;

    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([consumer.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 60_000)))]);
    clearTimeout(timer);
    stopped = true;
    const lost = [...sent].filter((id) => !received.has(id));
    assert.ok(restarted, 'the server was never restarted');
    assert.ok(drained, `the consumer did not receive every resolved send within 60 s; missing ${lost.length}: ${lost.slice(0, 10).join(', ')}`);
    assert.deepEqual(lost, [], 'resolved sends were lost');
    assert.deepEqual(resurrected, [], 'messages whose ack had resolved were delivered again');
    await new Promise((r) => setTimeout(r, 2_500));
    const left = await q.receive({ max: 1_000, waitMs: 0 });
    assert.deepEqual(left.map((d) => d.id).filter((id) => acked.has(id)), [], 'acked messages are still stored');
    const afterRestart = sent.size - beforeRestart;
    assert.ok(beforeRestart > 0 && afterRestart > 0, `sends resolved before (${beforeRestart}) and after (${afterRestart}) the restart`);
    return { beforeRestart, afterRestart, failedSends };
  } finally {
    await broker.close();
  }
}
