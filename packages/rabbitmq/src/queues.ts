import type { Channel, ConfirmChannel, ConsumeMessage, GetMessage } from 'amqplib';
import {
  QueueNotFoundError,
  ReceiptExpiredError,
  UnsupportedError,
  type Delivery,
  type EncodedBody,
  type EnqueueEntry,
  type EnqueueResult,
  type LeaseRequest,
  type PeekPage,
  type PeekRequest,
  type QueueEngine,
  type QueueInfo,
  type QueueStats,
  type RedriveOptions,
  type RedriveResult,
} from '@switchyard/core';
import { AckBarrier } from './ack-barrier.js';
import { fromAmqp, toAmqp } from './codec.js';
import { UnroutableError } from './connection.js';
import { checkOpen, requireQueue, type Context } from './context.js';
import { moveLeased, redrive, withDeathHeaders } from './dead-letter.js';
import { Delays } from './delays.js';
import { giveBack } from './give-back.js';
import { rabbitFeatures } from './features.js';
import { Receiver } from './receive.js';

/** The queue contract on quorum queues: confirms for sends, channel-held deliveries for leases. */
export class RabbitQueues implements QueueEngine {
  /** One per queue on its lease channel (a new channel gets a new one). */
  readonly #receivers = new Map<string, { ch: ConfirmChannel; receiver: Receiver }>();
  readonly delays: Delays;
  readonly #acked = new AckBarrier();

  constructor(private readonly ctx: Context) {
    this.delays = new Delays(ctx);
  }

  /**
   * Publishes each entry with publisher confirms (persistent, so on disk in the quorum queue's
   * majority when confirmed); delayed ones go to the delay queue for their delay. AMQP 0-9-1 has
   * no multi-message atomic publish (transactions do not combine with confirms or quorum queues),
   * so a batch that fails part-way has stored its first entries.
   */
  async enqueue(queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
    const info = await requireQueue(this.ctx, queue);
    await Promise.all(
      entries.map(async (e) => {
        const { content, options } = toAmqp(e);
        const delayMs = e.delayMs ?? info.delayMs;
        try {
          if (delayMs > 0) await this.delays.publish(queue, delayMs, content, options);
          else await this.ctx.conn.publish('', this.ctx.names.queue(queue), content, { ...options, mandatory: true });
        } catch (err) {
          throw err instanceof UnroutableError ? new QueueNotFoundError(queue) : err;
        }
      }),
    );
    return entries.map((e) => ({ id: e.id, duplicate: false }));
  }

  async lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    checkOpen(this.ctx);
    const poll = this.#lease(queue, request, signal).catch((err: unknown) => {
      // A poll cut short by close() ends empty, as the contract says.
      if (this.ctx.closing.signal.aborted) return [];
      throw err;
    });
    this.ctx.polls.add(poll);
    try {
      return await poll;
    } finally {
      this.ctx.polls.delete(poll);
    }
  }

  async #lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    const info = await requireQueue(this.ctx, queue);
    const abort = signal ? AbortSignal.any([this.ctx.closing.signal, signal]) : this.ctx.closing.signal;
    const visibilityMs = request.visibilityMs ?? info.visibilityTimeoutMs;
    const deadline = Date.now() + request.waitMs;
    for (;;) {
      const { ch } = await this.ctx.conn.leaseChannel(queue);
      const receiver = this.#receiver(queue, ch);
      const got = await receiver.take(request.max, Math.max(0, deadline - Date.now()), abort);
      if (abort.aborted && got.length > 0) {
        // Nobody is waiting for these any more: give them back before they count as leased.
        for (const m of got) ch.nack(m, false, true);
        return [];
      }
      const out: Delivery<EncodedBody>[] = [];
      let moved = false;
      for (const m of got) {
        const d = await this.#deliver(info, ch, m, visibilityMs);
        if (d) out.push(d);
        else moved = true;
      }
      if (out.length > 0 || !moved || Date.now() >= deadline) return out;
    }
  }

  #receiver(queue: string, ch: ConfirmChannel): Receiver {
    const hit = this.#receivers.get(queue);
    if (hit?.ch === ch) return hit.receiver;
    const receiver = new Receiver(
      ch,
      this.ctx.names.queue(queue),
      (left) => this.#giveBack(queue, ch, left),
      () => this.ctx.leases.heldOn(ch) + this.#acked.waitingOn(ch),
    );
    this.#receivers.set(queue, { ch, receiver });
    return receiver;
  }

  /** Hands back deliveries nobody received, so waiting in the read-ahead does not count as a receive. */
  async #giveBack(queue: string, ch: Channel, left: ConsumeMessage[]): Promise<void> {
    for (const m of left) await giveBack(this.ctx, ch, this.ctx.names.queue(queue), m);
  }

  /** Ends every consumer (close): pending receives end empty. */
  async closeReceivers(): Promise<void> {
    await Promise.all([...this.#receivers.values()].map(({ receiver }) => receiver.close()));
  }

  async #deliver(info: QueueInfo, ch: ConfirmChannel, m: ConsumeMessage | GetMessage, visibilityMs: number): Promise<Delivery<EncodedBody> | undefined> {
    const decoded = fromAmqp(m);
    const attempt = decoded.previousReceives + 1;
    const message = withDeathHeaders(this.ctx, decoded, decoded.death ? await this.ctx.meta.queue(this.ctx.names.fromQueue(decoded.death.queue) ?? '') : undefined);
    const receipt = this.ctx.leases.issue({ queue: info.name, ch, delivery: m, attempt, decoded: { ...decoded, message }, deadline: Date.now() + visibilityMs });
    // A retried message's own count started again when it was republished; the contract's count did not.
    if (info.deadLetter && attempt > info.deadLetter.maxReceives) {
      await moveLeased(this.ctx, info, this.ctx.leases.find(info.name, receipt), message, 'max-receives', attempt - 1, undefined);
      return undefined;
    }
    return { ...message, queue: info.name, receipt, attempt, enqueuedAt: decoded.enqueuedAt };
  }

  async remove(queue: string, receipt: string): Promise<void> {
    await requireQueue(this.ctx, queue);
    const lease = this.ctx.leases.find(queue, receipt);
    if (lease.state === 'acked') return;
    this.ctx.leases.requireActive(lease);
    this.ctx.leases.ack(lease);
    await this.#acked.after(lease.ch).catch(() => {
      // The channel closed first: the broker may not have seen the ack, and returns the message.
      throw new ReceiptExpiredError(queue);
    });
  }

  async release(queue: string, receipt: string, options: { delayMs: number; error?: string }): Promise<void> {
    const info = await requireQueue(this.ctx, queue);
    const lease = this.ctx.leases.find(queue, receipt);
    this.ctx.leases.requireActive(lease);
    const message = lease.decoded?.message;
    if (info.deadLetter && lease.attempt >= info.deadLetter.maxReceives && message) {
      await moveLeased(this.ctx, info, lease, message, 'max-receives', lease.attempt, options.error);
    } else if (options.delayMs > 0 && message) {
      // A delayed retry: a copy waits in the delay queue, carrying the receives so far.
      const { content, options: props } = toAmqp(message, { receives: lease.attempt });
      await this.delays.publish(queue, options.delayMs, content, props);
      this.ctx.leases.ack(lease);
    } else {
      this.ctx.leases.requeue(lease);
    }
  }

  async extendLease(queue: string, receipt: string, visibilityMs: number): Promise<void> {
    await requireQueue(this.ctx, queue);
    const lease = this.ctx.leases.find(queue, receipt);
    this.ctx.leases.requireActive(lease);
    this.ctx.leases.extend(lease, visibilityMs);
  }

  async moveToDeadLetter(queue: string, receipt: string, options: { error?: string }): Promise<void> {
    const info = await requireQueue(this.ctx, queue);
    const lease = this.ctx.leases.find(queue, receipt);
    this.ctx.leases.requireActive(lease);
    const message = lease.decoded?.message;
    if (!message) throw new QueueNotFoundError(queue);
    await moveLeased(this.ctx, info, lease, message, 'poison', lease.attempt, options.error);
  }

  async redrive(deadLetterQueue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    checkOpen(this.ctx);
    // Dead letters pushed to this engine's consumer ahead of a receive must be in the queue to move.
    await this.#receivers.get(deadLetterQueue)?.receiver.handBack();
    return redrive(this.ctx, deadLetterQueue, options, signal);
  }

  /**
   * queue.purge removes the ready messages; deliveries leased on this connection are acked too.
   * Leases held by other connections survive (RabbitMQ never purges unacknowledged messages).
   */
  async purge(queue: string): Promise<number> {
    await requireQueue(this.ctx, queue);
    const { messageCount } = await this.ctx.conn.withChannel((ch) => ch.purgeQueue(this.ctx.names.queue(queue)));
    const leased = this.ctx.leases.active(queue);
    for (const lease of leased) this.ctx.leases.ack(lease);
    const hit = this.#receivers.get(queue);
    const waiting = hit?.receiver.drain() ?? [];
    for (const m of waiting) hit?.ch.ack(m);
    return messageCount + leased.length + waiting.length + (await this.delays.purge(queue));
  }

  peek(_queue: string, _request: PeekRequest): Promise<PeekPage> {
    const peek = rabbitFeatures.peek;
    return Promise.reject(new UnsupportedError('peek', peek.supported ? '' : peek.reason));
  }

  /**
   * `ready` is the quorum queue's own count; `delayed` the depth of its delay queues known here;
   * `leased` the deliveries held by this connection (AMQP does not report other connections'
   * unacknowledged messages). RabbitMQ counts neither dead-lettered nor expired messages per
   * queue, nor the age of the oldest one, so those are 0.
   */
  async stats(queue: string): Promise<QueueStats> {
    await requireQueue(this.ctx, queue);
    const name = this.ctx.names.queue(queue);
    const inQueue = () => this.ctx.conn.withChannel(async (ch) => (await ch.checkQueue(name)).messageCount);
    const receiver = this.#receivers.get(queue)?.receiver;
    return {
      ready: receiver ? await receiver.countReady(inQueue) : await inQueue(),
      leased: this.ctx.leases.active(queue).length,
      delayed: await this.delays.depth(queue),
      blocked: 0,
      oldestAgeMs: 0,
      deadLettered: 0,
      expired: 0,
    };
  }
}
