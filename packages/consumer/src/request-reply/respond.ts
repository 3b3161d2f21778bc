import { describeError, ErrorCode, Header, isSwitchyardError, type Body, type Delivery, type Headers } from '@switchyard/core';
import { causeOf, DoNotRetryError, isDoNotRetry } from '../errors.js';
import type { Handler, HandlerContext } from '../handler.js';
import { ReplyHeader } from '../reply-headers.js';

export interface Reply {
  body: Body;
  /** Default: the request's type with `.reply` appended. */
  type?: string;
  headers?: Headers;
}

export type Responder = (request: Delivery, ctx: HandlerContext) => Promise<Reply> | Reply;

/**
 * The serving side of request/reply: a handler that runs `fn` and sends its reply to the
 * request's `reply-to` queue, with `causation-id` = the request's id. Before that it skips
 * (acks) a request whose `reply-deadline` has passed: nobody waits for it any more.
 *
 * If `fn` throws a `DoNotRetryError`, an error reply (`reply-status: error`) goes back and the
 * request is acked; any other failure is retried as usual. A request without `reply-to` is a
 * `DoNotRetryError` itself. A reply queue that no longer exists (the requester left) is not an
 * error: the request is acked.
 */
export function respond(fn: Responder): Handler {
  return async (request, ctx) => {
    const replyTo = request.headers[Header.replyTo];
    if (replyTo === undefined) throw new DoNotRetryError('the request has no reply-to header');
    const deadline = Number(request.headers[ReplyHeader.deadline]);
    if (Number.isFinite(deadline) && ctx.clock.now() >= deadline) {
      ctx.logger.debug({ deadline }, 'request past its deadline skipped');
      return;
    }
    const base: Headers = { [Header.correlationId]: ctx.correlationId, [Header.causationId]: request.id };
    let reply: { type: string; body: Body; headers: Headers };
    try {
      const r = await fn(request, ctx);
      reply = { type: r.type ?? `${request.type}.reply`, body: r.body, headers: { ...r.headers, ...base, [ReplyHeader.status]: 'ok' } };
    } catch (err) {
      if (!isDoNotRetry(err)) throw err;
      const text = describeError(causeOf(err)) ?? 'request failed';
      ctx.logger.warn({ err: causeOf(err) }, 'request failed; error reply sent');
      reply = { type: `${request.type}.reply`, body: { error: text }, headers: { ...base, [ReplyHeader.status]: 'error', [ReplyHeader.error]: text.slice(0, 1024) } };
    }
    let target;
    try {
      target = ctx.broker.queue(replyTo);
    } catch (err) {
      throw new DoNotRetryError('the reply-to header is not a queue name', { cause: err });
    }
    try {
      await target.send(reply);
    } catch (err) {
      if (!isSwitchyardError(err, ErrorCode.QueueNotFound)) throw err;
      ctx.logger.debug({ replyTo }, 'the reply queue is gone; reply dropped');
    }
  };
}
