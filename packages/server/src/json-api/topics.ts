import { InvalidArgumentError, type FilterPolicy } from '@switchyard/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { fromWire } from './codec.js';

interface NameParams {
  name: string;
}

/** Topics: create, list, delete, publish, and queue subscriptions with filter policies. */
export function topicRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { broker, metrics } = ctx;

  app.get<{ Querystring: { prefix?: string } }>('/v1/topics', async (req) => {
    ctx.authorize(req, 'manage', '*');
    return { topics: await broker.listTopics(req.query.prefix) };
  });

  app.put<{ Params: NameParams }>('/v1/topics/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    await broker.createTopic(req.params.name);
    return (await broker.listTopics(req.params.name)).find((t) => t.name === req.params.name);
  });

  app.delete<{ Params: NameParams }>('/v1/topics/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { deleted: await broker.deleteTopic(req.params.name) };
  });

  app.post<{ Params: NameParams; Body: { messages: unknown } }>('/v1/topics/:name/messages', async (req) => {
    ctx.authorize(req, 'send', req.params.name);
    if (!Array.isArray(req.body?.messages)) throw new InvalidArgumentError('messages', 'must be an array');
    const results = await broker.topic(req.params.name).publishBatch(req.body.messages.map(fromWire));
    metrics.published.inc({ topic: req.params.name }, results.length);
    return { results };
  });

  app.get<{ Params: NameParams }>('/v1/topics/:name/subscriptions', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { subscriptions: await broker.topic(req.params.name).subscriptions() };
  });

  app.post<{ Params: NameParams; Body: { queue: string; filter?: FilterPolicy | null } }>('/v1/topics/:name/subscriptions', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    ctx.authorize(req, 'send', req.body?.queue ?? '');
    const body = req.body ?? ({} as { queue: string });
    return broker.topic(req.params.name).subscribe(body.queue, { filter: body.filter ?? null });
  });

  app.delete<{ Params: NameParams & { id: string } }>('/v1/topics/:name/subscriptions/:id', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { deleted: await broker.topic(req.params.name).unsubscribe(req.params.id) };
  });
}
