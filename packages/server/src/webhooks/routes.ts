import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import type { WebhookManager, WebhookRequest } from './manager.js';

/** Webhook subscriptions on topics, and the confirmation link endpoints follow. */
export function webhookRoutes(app: FastifyInstance, ctx: ServerContext, webhooks: WebhookManager): void {
  app.post<{ Params: { name: string }; Body: WebhookRequest }>('/v1/topics/:name/webhooks', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return webhooks.subscribe(req.params.name, req.body, ctx.baseUrl(req));
  });

  app.get<{ Params: { name: string } }>('/v1/topics/:name/webhooks', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    await ctx.broker.topic(req.params.name).subscriptions();
    return { webhooks: webhooks.list(req.params.name) };
  });

  app.delete<{ Params: { name: string; id: string } }>('/v1/topics/:name/webhooks/:id', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { deleted: await webhooks.unsubscribe(req.params.name, req.params.id) };
  });

  // No credentials needed: the token, sent only to the endpoint, is the proof.
  app.get<{ Querystring: { token?: string } }>('/v1/webhooks/confirm', async (req) => {
    const w = await webhooks.confirm(String(req.query.token ?? ''));
    return { confirmed: true, id: w.id, topic: w.topic };
  });
}
