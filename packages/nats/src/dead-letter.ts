import { Header, NoDeadLetterQueueError, deadLetterHeaders, type EncodedBody, type Message, type QueueInfo, type RedriveOptions, type RedriveResult } from '@switchyard/core';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeEnvelope, encodeEnvelope } from './codec.js';
import { requireQueue, settleOnServer, type Context } from './context.js';

export interface DeadLetterMove {
  source: QueueInfo;
  message: Message<EncodedBody>;
  streamSeq: number;
  reply: string;
  reason: 'max-receives' | 'poison';
  attempts: number;
  error?: string | undefined;
}

/**
 * JetStream has no dead-letter queue (MaxDeliver only stops redelivery and raises an advisory),
 * so the engine moves the message: it publishes a copy to the DLQ's stream with a message id
 * derived from the source sequence, then acks the original. A crash between the two leaves the
 * original to be moved again, and the id makes the second copy a duplicate JetStream drops.
 */
export async function moveToDeadLetter(ctx: Context, move: DeadLetterMove): Promise<void> {
  const policy = move.source.deadLetter;
  if (!policy) throw new NoDeadLetterQueueError(move.source.name);
  await requireQueue(ctx, policy.queue);
  const headers = { ...move.message.headers };
  headers[Header.deadLetterReason] = move.reason;
  headers[Header.deadLetterSource] = move.source.name;
  headers[Header.deadLetterAttempts] = String(move.attempts);
  headers[Header.deadLetterAt] = String(Date.now());
  if (move.error !== undefined) headers[Header.deadLetterError] = move.error;
  else delete headers[Header.deadLetterError];
  const copy = encodeEnvelope({ ...move.message, headers });
  const stream = ctx.names.stream(move.source.name);
  await ctx.js.publish(ctx.names.subject(policy.queue), copy, { msgID: `dl:${stream}:${move.streamSeq}` });
  await settleOnServer(ctx, move.reply, '+ACK');
  await ctx.meta.countDeadLettered(move.source.name);
}

/**
 * Redrive reads the dead-letter stream by sequence (no lease, so no receive is counted), publishes
 * each message to its target with an id derived from the DLQ sequence (a retried move is a
 * duplicate), then deletes it from the DLQ.
 */
export async function redrive(ctx: Context, dlq: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
  await requireQueue(ctx, dlq);
  if (options.to !== undefined) await requireQueue(ctx, options.to, true);
  const stream = ctx.names.stream(dlq);
  const info = await ctx.jsm.streams.info(stream);
  const result: RedriveResult = { moved: 0, skipped: 0 };
  const gapMs = options.maxPerSecond ? 1000 / options.maxPerSecond : 0;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    if (signal?.aborted || (options.max !== undefined && result.moved >= options.max)) break;
    const stored = await ctx.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!stored) continue;
    const message = decodeEnvelope(stored.data);
    const target = options.to ?? message.headers[Header.deadLetterSource];
    if (target === undefined || !(await ctx.meta.queue(target, true))) {
      result.skipped++;
      continue;
    }
    if (gapMs > 0 && result.moved > 0) await delay(gapMs, undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) break;
    const headers = { ...message.headers };
    for (const h of deadLetterHeaders) delete headers[h];
    await ctx.js.publish(ctx.names.subject(target), encodeEnvelope({ ...message, headers }), { msgID: `rd:${stream}:${seq}` });
    await ctx.jsm.streams.deleteMessage(stream, seq, false);
    result.moved++;
  }
  return result;
}

