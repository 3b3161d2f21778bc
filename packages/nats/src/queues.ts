import { headers, type Msg } from '@nats-io/transport-node';
import {
  QueueNotFoundError,
  UnsupportedError,
  type Delivery,
  type EncodedBody,
  type EnqueueEntry,
  type EnqueueResult,
  type LeaseRequest,
  type Message,
  type PeekPage,
  type PeekRequest,
  type QueueEngine,
  type QueueInfo,
  type QueueStats,
  type RedriveOptions,
  type RedriveResult,
} from '@switchyard/core';
import { decodeEnvelope, encodeEnvelope } from './codec.js';
import { ackWaitMs, checkOpen, requireQueue, settleOnServer, type Context } from './context.js';
import { moveToDeadLetter, redrive } from './dead-letter.js';
import { publishToStream } from './inbox.js';
import { parseReceipt, type Lease } from './leases.js';
import { parseAckSubject } from './names.js';
import { delaysUnsupported, natsFeatures } from './features.js';

/** The queue contract on work-queue streams with one durable pull consumer each. */
export class NatsQueues implements QueueEngine {
  constructor(private readonly ctx: Context) {}

  /**
   * Publishes each entry and waits for JetStream's ack (stored, fsynced per the server's sync
   * policy). The message id goes out as `Nats-Msg-Id`, so a send retried after a lost ack is a
   * duplicate the stream drops (reported as `duplicate: true`, as is any repeat of a message id
   * within the stream's dedup window). JetStream 2.9 has no multi-message transaction: a batch
   * that fails part-way has stored its first entries, and retrying it stores the rest exactly once.
   */
  async enqueue(queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
    const info = await requireQueue(this.ctx, queue);
    for (const e of entries) {
      if ((e.delayMs ?? info.delayMs) > 0) throw new UnsupportedError('delays', delaysUnsupported);
    }
    const subject = this.ctx.names.subject(queue);
    const acks = entries.map((e) => {
      const h = headers();
      h.set('Nats-Msg-Id', e.id);
      return publishToStream(this.ctx.inbox, subject, encodeEnvelope(e), h).catch((err: unknown) => {
        throw noStream(err, queue);
      });
    });
    const stored = await Promise.all(acks);
    return entries.map((e, i) => ({ id: e.id, duplicate: stored[i]?.duplicate === true }));
  }

  async lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    const info = await requireQueue(this.ctx, queue);
    const stream = this.ctx.names.stream(queue);
    const consumer = this.ctx.names.consumer;
    const abort = anySignal(this.ctx.closing.signal, signal);
    const visibilityMs = request.visibilityMs ?? info.visibilityTimeoutMs;
    const deadline = Date.now() + request.waitMs;
    for (;;) {
      let msgs = await this.ctx.pulls.pull(stream, consumer, { batch: request.max });
      const left = deadline - Date.now();
      if (msgs.length === 0 && left > 0 && !abort.aborted) {
        msgs = await this.ctx.pulls.pull(stream, consumer, { batch: 1, expiresMs: left, signal: abort });
        if (msgs.length > 0 && request.max > 1) msgs.push(...(await this.ctx.pulls.pull(stream, consumer, { batch: request.max - 1 })));
      }
      let out: Delivery<EncodedBody>[] = [];
      const leases: Lease[] = [];
      let movedAny = false;
      for (const m of msgs) {
        const d = await this.#deliver(info, m, visibilityMs);
        if (d) {
          out.push(d.delivery);
          leases.push(d.lease);
        } else movedAny = true;
      }
      const delivered = out.length;
      out = await this.#withoutAckedMeanwhile(info.name, out, leases);
      // Like a move to the DLQ: a batch left empty by it looks again for the messages behind.
      if (out.length < delivered) movedAny = true;
      // A receive that only met used-up messages (moved to the DLQ) looks again for the ones behind them.
      if (out.length > 0 || !movedAny || abort.aborted || Date.now() >= deadline) return abort.aborted && out.length === 0 ? [] : out;
    }
  }

  /**
   * Drops from a batch the messages whose earlier ack resolved while the batch was being delivered:
   * an ack held up by a server restart can be confirmed after the restarted server has delivered
   * the message again and #deliver has checked RecentAcks. Such a delivery is acked again on the
   * server and not handed out, so an ack that has resolved stays final.
   */
  async #withoutAckedMeanwhile(queue: string, out: Delivery<EncodedBody>[], leases: Lease[]): Promise<Delivery<EncodedBody>[]> {
    // Looks again after acking any: more acks may have been confirmed while it waited.
    for (;;) {
      const gone = new Set(leases.filter((l) => this.ctx.acked.has(queue, l.streamSeq)));
      if (gone.size === 0) return out;
      for (const lease of gone) {
        await settleOnServer(this.ctx, lease.reply, '+ACK');
        this.ctx.leases.settle(lease, 'acked');
      }
      out = out.filter((_, i) => !gone.has(leases[i] as Lease));
      leases = leases.filter((l) => !gone.has(l));
    }
  }

  /** Turns a delivered message into a lease, or moves it to the DLQ when it has used up its receives. */
  async #deliver(info: QueueInfo, m: Msg, visibilityMs: number): Promise<{ delivery: Delivery<EncodedBody>; lease: Lease } | undefined> {
    const ack = parseAckSubject(m.reply ?? '');
    if (!ack) return undefined;
    this.ctx.released.get(info.name)?.delete(ack.streamSeq);
    if (this.ctx.acked.has(info.name, ack.streamSeq)) {
      // Acked and confirmed before, then forgotten by the server (see RecentAcks): ack it again.
      await settleOnServer(this.ctx, m.reply ?? '', '+ACK');
      return undefined;
    }
    const message = decodeForeign(m.data, `${info.name}:${ack.streamSeq}`);
    const policy = info.deadLetter;
    if (policy && ack.delivered > policy.maxReceives) {
      await moveToDeadLetter(this.ctx, { source: info, message, streamSeq: ack.streamSeq, reply: m.reply ?? '', reason: 'max-receives', attempts: ack.delivered - 1 });
      return undefined;
    }
    const { receipt, lease } = this.ctx.leases.issue(
      { queue: info.name, streamSeq: ack.streamSeq, consumerSeq: ack.consumerSeq, delivered: ack.delivered, reply: m.reply ?? '', deadline: Date.now() + visibilityMs, message },
      ackWaitMs(info),
    );
    return { delivery: { ...message, queue: info.name, receipt, attempt: ack.delivered, enqueuedAt: ack.timestampMs }, lease };
  }

  async remove(queue: string, receipt: string): Promise<void> {
    await requireQueue(this.ctx, queue);
    const { lease, reply, parsed } = this.#resolve(queue, receipt);
    if (lease?.state === 'acked') return;
    if (lease) this.ctx.leases.requireActive(lease);
    await settleOnServer(this.ctx, reply, '+ACK');
    this.ctx.acked.add(queue, parsed.streamSeq);
    if (lease) this.ctx.leases.settle(lease, 'acked');
    this.ctx.released.get(queue)?.delete(lease?.streamSeq ?? -1);
  }

  async release(queue: string, receipt: string, options: { delayMs: number; error?: string }): Promise<void> {
    const info = await requireQueue(this.ctx, queue);
    const { lease, reply, parsed } = this.#resolve(queue, receipt);
    if (lease) this.ctx.leases.requireActive(lease);
    const policy = info.deadLetter;
    if (policy && parsed.delivered >= policy.maxReceives) {
      const message = lease?.message ?? (await this.#read(info, parsed.streamSeq));
      await moveToDeadLetter(this.ctx, { source: info, message, streamSeq: parsed.streamSeq, reply, reason: 'max-receives', attempts: parsed.delivered, error: options.error });
    } else {
      // A delayed nak is JetStream's own: the server redelivers after the delay.
      const verb = options.delayMs > 0 ? `-NAK ${JSON.stringify({ delay: options.delayMs * 1_000_000 })}` : '-NAK';
      await settleOnServer(this.ctx, reply, verb);
      let set = this.ctx.released.get(queue);
      if (!set) this.ctx.released.set(queue, (set = new Set()));
      set.add(parsed.streamSeq);
    }
    if (lease) this.ctx.leases.settle(lease, 'ended');
  }

  async extendLease(queue: string, receipt: string, visibilityMs: number): Promise<void> {
    const info = await requireQueue(this.ctx, queue);
    const { lease, reply } = this.#resolve(queue, receipt);
    if (!lease) return settleOnServer(this.ctx, reply, '+WPI');
    this.ctx.leases.requireActive(lease);
    this.ctx.leases.extend(lease, visibilityMs, ackWaitMs(info));
  }

  async moveToDeadLetter(queue: string, receipt: string, options: { error?: string }): Promise<void> {
    const info = await requireQueue(this.ctx, queue);
    const { lease, reply, parsed } = this.#resolve(queue, receipt);
    if (lease) this.ctx.leases.requireActive(lease);
    const message = lease?.message ?? (await this.#read(info, parsed.streamSeq));
    await moveToDeadLetter(this.ctx, { source: info, message, streamSeq: parsed.streamSeq, reply, reason: 'poison', attempts: parsed.delivered, error: options.error });
    if (lease) this.ctx.leases.settle(lease, 'ended');
  }

  redrive(deadLetterQueue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    checkOpen(this.ctx);
    return redrive(this.ctx, deadLetterQueue, options, signal);
  }

  /**
   * Deletes every message, leased ones too (as SQS does). The leases this engine handed out on
   * them are settled as acked: acking one is harmless, as for any message already gone, and a
   * nack or extend is refused (RECEIPT_EXPIRED) instead of passing for a redelivery to come.
   */
  async purge(queue: string): Promise<number> {
    await requireQueue(this.ctx, queue);
    const leased = this.ctx.leases.activeOn(queue);
    const stream = this.ctx.names.stream(queue);
    const { purged } = await this.ctx.jsm.streams.purge(stream);
    for (const lease of leased) if (lease.state === 'active') this.ctx.leases.settle(lease, 'acked');
    this.ctx.released.delete(queue);
    // nats-server 2.9 leaves the consumer believing the purged messages are still to come: a
    // no_wait pull then gets no answer at all (each receive waited out the puller's 5 s grace)
    // until the next message. Reading the consumer's info makes the server recount its pending
    // messages (found by trial; upstream fixed the 404 in nats-server#7466).
    await this.ctx.jsm.consumers.info(stream, this.ctx.names.consumer);
    return purged;
  }

  peek(_queue: string, _request: PeekRequest): Promise<PeekPage> {
    const peek = natsFeatures.peek;
    return Promise.reject(new UnsupportedError('peek', peek.supported ? '' : peek.reason));
  }

  /**
   * From the stream and consumer state: every message in a work-queue stream is unacked, the
   * consumer's ack-pending count is the leased ones. JetStream keeps a nacked message in
   * ack-pending until it is redelivered, so messages this engine nacked are counted as ready;
   * one nacked by another process counts as leased until it is delivered again.
   */
  async stats(queue: string): Promise<QueueStats> {
    await requireQueue(this.ctx, queue);
    const stream = this.ctx.names.stream(queue);
    const [si, ci, deadLettered] = await Promise.all([
      this.ctx.jsm.streams.info(stream),
      this.ctx.jsm.consumers.info(stream, this.ctx.names.consumer),
      this.ctx.meta.deadLettered(queue),
    ]);
    const total = si.state.messages;
    const leased = Math.max(0, Math.min(total, ci.num_ack_pending - (this.ctx.released.get(queue)?.size ?? 0)));
    const firstTs = total > 0 ? Date.parse(si.state.first_ts) : NaN;
    return {
      ready: total - leased,
      leased,
      delayed: 0,
      blocked: 0,
      oldestAgeMs: Number.isNaN(firstTs) ? 0 : Math.max(0, Date.now() - firstTs),
      deadLettered,
      expired: 0,
    };
  }

  /** The local lease behind a receipt (if this engine issued it) and the subject to settle it on. */
  #resolve(queue: string, receipt: string): { lease: Lease | undefined; reply: string; parsed: ReturnType<typeof parseReceipt> } {
    const parsed = parseReceipt(queue, receipt);
    const lease = this.ctx.leases.find(parsed);
    const reply = lease?.reply ?? this.ctx.names.ackSubject(queue, parsed.delivered, parsed.streamSeq, parsed.consumerSeq);
    return { lease, reply, parsed };
  }

  async #read(info: QueueInfo, seq: number): Promise<Message<EncodedBody>> {
    const stored = await this.ctx.jsm.streams.getMessage(this.ctx.names.stream(info.name), { seq });
    if (!stored) throw new QueueNotFoundError(info.name);
    return decodeForeign(stored.data, `${info.name}:${seq}`);
  }
}

/** A message another NATS client published on the subject comes through as bytes. */
function decodeForeign(data: Uint8Array, id: string): Message<EncodedBody> {
  try {
    return decodeEnvelope(data);
  } catch {
    return { id, type: 'message', headers: {}, timestamp: Date.now(), body: { kind: 2, data } };
  }
}

function noStream(err: unknown, queue: string): unknown {
  const text = err instanceof Error ? `${err.message} ${String((err as { code?: unknown }).code ?? '')}` : '';
  return /no responders|503|stream not found/i.test(text) ? new QueueNotFoundError(queue) : err;
}

function anySignal(a: AbortSignal, b?: AbortSignal): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}
