import { Header, NoDeadLetterQueueError, deadLetterHeaders, type EncodedBody, type Message, type QueueInfo, type RedriveOptions, type RedriveResult } from '@switchyard/core';
import { setTimeout as delay } from 'node:timers/promises';
import { fromAmqp, toAmqp, type Decoded } from './codec.js';
import { requireQueue, type Context } from './context.js';
import { giveBack } from './give-back.js';
import type { Lease } from './leases.js';

/**
 * The dead-letter headers of a message RabbitMQ dead-lettered itself (the quorum queue's
 * delivery limit, via the dead-letter exchange): taken from its `x-death` record, since the
 * broker does not know Switchyard's headers. A hop through a delay queue is not a dead letter.
 */
export function withDeathHeaders(ctx: Context, d: Decoded, source: QueueInfo | undefined): Message<EncodedBody> {
  const death = d.death;
  if (!death || ctx.names.isDelayQueue(death.queue) || d.message.headers[Header.deadLetterReason] !== undefined) return d.message;
  const from = ctx.names.fromQueue(death.queue);
  if (from === undefined) return d.message;
  const headers = { ...d.message.headers };
  headers[Header.deadLetterReason] = death.reason === 'delivery_limit' ? 'max-receives' : death.reason;
  headers[Header.deadLetterSource] = from;
  if (source?.deadLetter && death.reason === 'delivery_limit') headers[Header.deadLetterAttempts] = String(source.deadLetter.maxReceives);
  headers[Header.deadLetterAt] = String(death.time ?? Date.now());
  return { ...d.message, headers };
}

/**
 * Moves a leased message to the source's DLQ now: publishes a copy with the dead-letter headers
 * (confirmed), then acks the original. Used where the broker's own dead-lettering cannot carry
 * what the contract records: the last error of a final nack, and poison messages. A crash
 * between the two steps leaves the original to be delivered again (at least once).
 */
export async function moveLeased(ctx: Context, source: QueueInfo, lease: Lease, message: Message<EncodedBody>, reason: 'max-receives' | 'poison', attempts: number, error: string | undefined): Promise<void> {
  const policy = source.deadLetter;
  if (!policy) throw new NoDeadLetterQueueError(source.name);
  const headers = { ...message.headers };
  headers[Header.deadLetterReason] = reason;
  headers[Header.deadLetterSource] = source.name;
  headers[Header.deadLetterAttempts] = String(attempts);
  headers[Header.deadLetterAt] = String(Date.now());
  if (error !== undefined) headers[Header.deadLetterError] = error;
  else delete headers[Header.deadLetterError];
  const { content, options } = toAmqp({ ...message, headers });
  await ctx.conn.publish('', ctx.names.queue(policy.queue), content, { ...options, mandatory: true });
  ctx.leases.ack(lease);
}

/**
 * Redrive takes each dead letter with basic.get on a private channel, publishes it (confirmed) to
 * its source or `to` as new, and acks it. A message whose source is gone is set aside and given
 * back to the DLQ at the end (`giveBack`, so it is counted there when redrive resolves), so one
 * pass sees every message once.
 */
export async function redrive(ctx: Context, dlq: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
  await requireQueue(ctx, dlq);
  if (options.to !== undefined) await requireQueue(ctx, options.to, true);
  const gapMs = options.maxPerSecond ? 1000 / options.maxPerSecond : 0;
  return ctx.conn.withChannel(async (ch) => {
    const result: RedriveResult = { moved: 0, skipped: 0 };
    const kept = [];
    try {
      while (!signal?.aborted && (options.max === undefined || result.moved < options.max)) {
        const m = await ch.get(ctx.names.queue(dlq), { noAck: false });
        if (!m) break;
        const decoded = fromAmqp(m);
        const message = withDeathHeaders(ctx, decoded, undefined);
        const target = options.to ?? message.headers[Header.deadLetterSource];
        if (target === undefined || !(await ctx.meta.queue(target, true))) {
          result.skipped++;
          kept.push(m);
          continue;
        }
        if (gapMs > 0 && result.moved > 0) await delay(gapMs, undefined, { signal }).catch(() => undefined);
        const headers = { ...message.headers };
        for (const h of deadLetterHeaders) delete headers[h];
        const { content, options: props } = toAmqp({ ...message, headers });
        await ctx.conn.publish('', ctx.names.queue(target), content, { ...props, mandatory: true });
        ch.ack(m);
        result.moved++;
      }
    } finally {
      for (const m of kept) await giveBack(ctx, ch, ctx.names.queue(dlq), m);
    }
    return result;
  });
}
