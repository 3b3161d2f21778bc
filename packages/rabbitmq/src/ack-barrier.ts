import type { ConfirmChannel } from 'amqplib';

/**
 * A routing key no queue can have (clients may not declare `amq.` names), so a publish to it on
 * the default exchange goes nowhere and is confirmed at once.
 */
const nowhere = 'amq.switchyard.ack-barrier';
const empty = Buffer.alloc(0);

/**
 * Tells when the broker has processed the acks written on a lease channel. basic.ack has no
 * reply, so an ack "resolves" before the broker has seen it, and one still on the wire when the
 * connection drops is lost (the message comes back). The broker handles a channel's frames in
 * order, so the confirm of a publish written after the acks (lease channels are in confirm mode)
 * comes only once it has processed them. Every ack of one tick shares a barrier, and barriers are
 * pipelined (a synchronous method such as basic.qos would be answered one at a time): an ack
 * resolves one round trip after it was written. This does not make the ack survive a broker
 * crash: the quorum queue applies it asynchronously.
 */
export class AckBarrier {
  readonly #pending = new WeakMap<ConfirmChannel, Promise<void>>();
  readonly #waiting = new WeakMap<ConfirmChannel, number>();

  /** Acks on `ch` waiting for their barrier: still in the broker's window, as far as this side knows. */
  waitingOn(ch: ConfirmChannel): number {
    return this.#waiting.get(ch) ?? 0;
  }

  /** Resolves once the broker has processed every ack written on `ch` so far; rejects if the channel closes first. */
  async after(ch: ConfirmChannel): Promise<void> {
    this.#waiting.set(ch, this.waitingOn(ch) + 1);
    try {
      await this.#next(ch);
    } finally {
      this.#waiting.set(ch, this.waitingOn(ch) - 1);
    }
  }

  #next(ch: ConfirmChannel): Promise<void> {
    let barrier = this.#pending.get(ch);
    if (!barrier) {
      barrier = new Promise<void>((resolve, reject) => {
        queueMicrotask(() => {
          this.#pending.delete(ch);
          try {
            ch.publish('', nowhere, empty, {}, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      this.#pending.set(ch, barrier);
    }
    return barrier;
  }
}
