import { InvalidArgumentError, isSwitchyardError } from '@switchyard/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { deliveryToWire, fromWire, peekedToWire } from './codec.js';

interface NameParams {
  name: string;
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(field, 'must be an array');
  return value;
}

/** Sending, receiving (long poll) and settling messages. */
export function messageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { broker, metrics } = ctx;

  app.post<{ Params: NameParams; Body: { messages: unknown } }>('/v1/queues/:name/messages', async (req) => {
    ctx.authorize(req, 'send', req.params.name);
    const messages = list(req.body?.messages, 'messages').map(fromWire);
    const results = await broker.queue(req.params.name).sendBatch(messages);
    metrics.sent.inc({ queue: req.params.name }, results.length);
    return { results };
  });

  app.post<{ Params: NameParams; Body: { max?: number; waitMs?: number; visibilityMs?: number } | null }>('/v1/queues/:name/receive', async (req, reply) => {
    ctx.authorize(req, 'receive', req.params.name);
    const body = req.body ?? {};
    const queue = broker.queue(req.params.name);
    // A long poll ends early, empty, when the server shuts down or the client goes away.
    const gone = requestSignal(reply, ctx.shutdown);
    metrics.waiting.inc();
    try {
      const messages = await queue.receive({ ...body, signal: gone.signal });
      metrics.received.inc({ queue: queue.name }, messages.length);
      return { messages: messages.map(deliveryToWire) };
    } catch (err) {
      if (isSwitchyardError(err, 'ABORTED')) return { messages: [] };
      throw err;
    } finally {
      gone.release();
      metrics.waiting.dec();
    }
  });

  app.post<{ Params: NameParams; Body: { receipts: unknown } }>('/v1/queues/:name/ack', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const queue = broker.queue(req.params.name);
    const receipts = list(req.body?.receipts, 'receipts');
    // One engine operation for the lot; each receipt still succeeds or fails on its own.
    const outcomes = await queue.ackBatch(receipts as string[]);
    let acked = 0;
    const results = outcomes.map((o, i) => {
      const receipt = receipts[i];
      if (o.ok) {
        acked++;
        return { receipt, ok: true };
      }
      return { receipt, ok: false, error: { code: o.error.code, message: o.error.message } };
    });
    metrics.acked.inc({ queue: queue.name }, acked);
    return { results };
  });

  app.post<{ Params: NameParams; Body: { receipt: string; delayMs?: number; error?: string } }>('/v1/queues/:name/nack', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const { receipt, ...options } = req.body ?? ({} as { receipt: string });
    await broker.queue(req.params.name).nack(receipt, options);
    return { ok: true };
  });

  app.post<{ Params: NameParams; Body: { receipt: string; visibilityMs: number } }>('/v1/queues/:name/extend', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    await broker.queue(req.params.name).extend(req.body?.receipt, req.body?.visibilityMs);
    return { ok: true };
  });

  app.post<{ Params: NameParams; Body: { receipt: string; error?: string } }>('/v1/queues/:name/dead-letter', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const { receipt, error } = req.body ?? ({} as { receipt: string });
    await broker.queue(req.params.name).deadLetter(receipt, error === undefined ? {} : { error });
    metrics.deadLettered.inc({ queue: req.params.name });
    return { ok: true };
  });

  app.get<{ Params: NameParams; Querystring: { max?: string; cursor?: string } }>('/v1/queues/:name/peek', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const max = req.query.max === undefined ? undefined : Number(req.query.max);
    const page = await broker.queue(req.params.name).peek({ ...(max === undefined ? {} : { max }), ...(req.query.cursor ? { cursor: req.query.cursor } : {}) });
    return { messages: page.messages.map(peekedToWire), ...(page.next ? { next: page.next } : {}) };
  });
}
