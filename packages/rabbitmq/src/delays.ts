import type { Options } from 'amqplib';
import type { Context } from './context.js';

/** Re-declare a delay queue after this share of its expiry, so it never expires while holding messages. */
const redeclareShare = 0.5;

/**
 * Delayed messages: for each distinct delay a quorum queue whose message TTL is that delay and
 * whose dead-letter target is the real queue, so the broker itself moves each message when its
 * time is up (at least once). All messages in one delay queue share the TTL, so the one at the
 * head always expires first and none waits behind a longer one. A delay queue deletes itself
 * (x-expires) once unused for twice its delay plus ten minutes, which is after its last message
 * has left. One quorum queue per distinct delay is a cost: keep the set of delays small.
 */
export class Delays {
  /** Delay queues declared by this engine: name → when, per Switchyard queue. */
  readonly #declared = new Map<string, Map<string, number>>();

  constructor(private readonly ctx: Context) {}

  async publish(queue: string, ms: number, content: Buffer, options: Options.Publish): Promise<void> {
    const name = this.ctx.names.delayQueue(queue, ms);
    const expires = 2 * ms + 10 * 60_000;
    let known = this.#declared.get(queue);
    if (!known) this.#declared.set(queue, (known = new Map()));
    const at = known.get(name);
    if (at === undefined || Date.now() - at > expires * redeclareShare) {
      await this.ctx.conn.withChannel((ch) =>
        ch.assertQueue(name, {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            'x-message-ttl': ms,
            'x-expires': expires,
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': this.ctx.names.queue(queue),
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
          },
        }),
      );
      known.set(name, Date.now());
    }
    await this.ctx.conn.publish('', name, content, { ...options, mandatory: true });
  }

  /** Messages waiting in the delay queues of `queue` that this engine declared. */
  async depth(queue: string): Promise<number> {
    let n = 0;
    for (const name of this.#declared.get(queue)?.keys() ?? []) {
      n += await this.ctx.conn.withChannel(async (ch) => (await ch.checkQueue(name)).messageCount).catch(() => 0);
    }
    return n;
  }

  async purge(queue: string): Promise<number> {
    let n = 0;
    for (const name of this.#declared.get(queue)?.keys() ?? []) {
      n += await this.ctx.conn.withChannel(async (ch) => (await ch.purgeQueue(name)).messageCount).catch(() => 0);
    }
    return n;
  }

  forget(queue: string): void {
    this.#declared.delete(queue);
  }
}
