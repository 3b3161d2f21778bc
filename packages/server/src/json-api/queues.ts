import { checkQueueName, type QueueOptions } from '@switchyard/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

interface NameParams {
  name: string;
}

/** Queue administration: create (idempotent PUT), read, change, delete, list, stats, purge, redrive. */
export function queueRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { broker } = ctx;

  app.get<{ Querystring: { prefix?: string } }>('/v1/queues', async (req) => {
    ctx.authorize(req, 'manage', '*');
    return { queues: await broker.listQueues(req.query.prefix) };
  });

  // Idempotent: the same settings again return the queue; other settings are a 409.
  app.put<{ Params: NameParams; Body: QueueOptions | null }>('/v1/queues/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    const queue = await broker.createQueue(req.params.name, req.body ?? {});
    return queue.info();
  });

  app.get<{ Params: NameParams }>('/v1/queues/:name', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    return broker.queue(req.params.name).info();
  });

  app.patch<{ Params: NameParams; Body: QueueOptions }>('/v1/queues/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return broker.queue(req.params.name).update(req.body ?? {});
  });

  app.delete<{ Params: NameParams }>('/v1/queues/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { deleted: await broker.deleteQueue(checkQueueName(req.params.name)) };
  });

  app.get<{ Params: NameParams }>('/v1/queues/:name/stats', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    return broker.queue(req.params.name).stats();
  });

  app.post<{ Params: NameParams }>('/v1/queues/:name/purge', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { purged: await broker.queue(req.params.name).purge() };
  });

  app.post<{ Params: NameParams; Body: { to?: string; max?: number; maxPerSecond?: number } | null }>('/v1/queues/:name/redrive', async (req, reply) => {
    ctx.authorize(req, 'manage', req.params.name);
    const options = req.body ?? {};
    if (options.to !== undefined) ctx.authorize(req, 'send', options.to);
    // A rate-limited redrive stops between moves when the client goes away or the server stops.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    return broker.queue(req.params.name).redrive({ ...options, signal: AbortSignal.any([ctx.shutdown, gone.signal]) });
  });

  app.get<{ Params: NameParams }>('/v1/queues/:name/dead-letter-sources', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { queues: await broker.engine.admin.listDeadLetterSources(checkQueueName(req.params.name)) };
  });
}
