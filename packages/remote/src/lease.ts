import { AbortedError, type Delivery, type EncodedBody, type LeaseRequest } from '@switchyard/core';
import type { WebSocket } from 'undici';
import { queuePath, type RemoteContext } from './context.js';
import { errorFromDetail } from './errors.js';
import { ChannelLostError, type PushReply } from './push-channel.js';
import { deliveryFromWire, type WireMessage } from './wire.js';

/**
 * Leases over the push channel when it is open (or can be opened), else by HTTP long poll.
 *
 * - Closing the engine answers a waiting lease at once with [] (the engine contract).
 * - Aborting sends a cancel and waits for the server's answer (up to `requestTimeoutMs`), so that
 *   when the AbortedError arrives the server has stopped waiting; anything it had leased for this
 *   call is released, never dropped. Over HTTP the abort closes the connection, and a lease the
 *   server made at that instant comes back only after its visibility timeout.
 * - If the push channel drops mid-wait, the rest of the wait continues over HTTP.
 * - Receives beyond what one connection may hold waiting (1000) go over HTTP.
 */
export async function lease(ctx: RemoteContext, queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
  ctx.life.checkOpen();
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
  // Taken now, not when the request goes out: a clock advance made while the channel is still
  // connecting must wait for this poll to start on the server.
  const fence = ctx.fences?.begin();
  try {
    const started = Date.now();
    const socket = await ctx.push?.socket();
    if (ctx.life.closed) return [];
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    // Past the server's limit of waiting receives per connection, the rest wait over HTTP.
    if (socket && ctx.push?.hasRoomForReceive) {
      try {
        return await overPush(ctx, socket, queue, request, signal, fence);
      } catch (err) {
        if (!(err instanceof ChannelLostError)) throw err;
      }
      if (ctx.life.closed) return [];
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      request = { ...request, waitMs: Math.max(0, request.waitMs - (Date.now() - started)) };
    }
    return await overHttp(ctx, queue, request, signal, fence);
  } finally {
    ctx.fences?.end(fence);
  }
}

async function overPush(ctx: RemoteContext, socket: WebSocket, queue: string, request: LeaseRequest, signal: AbortSignal | undefined, fence: string | undefined): Promise<Delivery<EncodedBody>[]> {
  const push = ctx.push as NonNullable<RemoteContext['push']>;
  const frame: Record<string, unknown> = { op: 'receive', queue, max: request.max, waitMs: request.waitMs };
  if (request.visibilityMs !== undefined) frame.visibilityMs = request.visibilityMs;
  // Real-time guard against a dead connection; none on a test clock, where the server's time may stand still.
  const timeoutMs = ctx.fences ? Number.POSITIVE_INFINITY : request.waitMs + ctx.http.pollGraceMs;
  const { id, reply } = push.request(socket, frame, { fence, timeoutMs, receive: true });
  let gaveUp!: (why: 'closed' | 'aborted') => void;
  const givenUp = new Promise<'closed' | 'aborted'>((resolve) => (gaveUp = resolve));
  let graceTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    push.cancel(id);
    graceTimer = setTimeout(() => gaveUp('aborted'), ctx.http.requestTimeoutMs);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const unsubscribe = ctx.life.onClose(() => {
    push.cancel(id);
    gaveUp('closed');
  });
  try {
    const outcome = await Promise.race([reply, givenUp]);
    if (typeof outcome === 'string') {
      // Whatever the server still hands over for this call goes back at once.
      void reply.then((late) => releaseQuietly(ctx, queue, late.messages), () => undefined);
      if (outcome === 'closed') return [];
      throw new AbortedError({ cause: signal?.reason });
    }
    return await answer(ctx, queue, outcome, signal);
  } finally {
    clearTimeout(graceTimer);
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}

async function answer(ctx: RemoteContext, queue: string, reply: PushReply, signal: AbortSignal | undefined): Promise<Delivery<EncodedBody>[]> {
  if (reply.error) throw errorFromDetail(ctx.http.url, reply.error);
  const messages = reply.messages ?? [];
  if (signal?.aborted || ctx.life.closed) {
    // The server answered before it saw the cancel: this call was given messages it must not keep.
    await releaseQuietly(ctx, queue, messages);
    if (ctx.life.closed) return [];
    throw new AbortedError({ cause: signal?.reason });
  }
  return messages.map(deliveryFromWire);
}

async function overHttp(ctx: RemoteContext, queue: string, request: LeaseRequest, signal: AbortSignal | undefined, fence: string | undefined): Promise<Delivery<EncodedBody>[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const unsubscribe = ctx.life.onClose(() => stop.abort());
  try {
    const body: Record<string, number> = { max: request.max, waitMs: request.waitMs };
    if (request.visibilityMs !== undefined) body.visibilityMs = request.visibilityMs;
    const r = await ctx.http.call<{ messages: WireMessage[] }>('POST', queuePath(queue, '/receive'), { body, signal: stop.signal, holdMs: request.waitMs, ...(fence ? { fence } : {}) });
    return r.messages.map(deliveryFromWire);
  } catch (err) {
    if (ctx.life.closed) return [];
    throw err;
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Ends leases nobody will work on (nack, no delay, last error kept); failures are ignored. */
async function releaseQuietly(ctx: RemoteContext, queue: string, messages: readonly WireMessage[] | undefined): Promise<void> {
  await Promise.all(
    (messages ?? []).map((m) => ctx.http.call('POST', queuePath(queue, '/nack'), { body: { receipt: m.receipt } }).catch(() => undefined)),
  );
}
