import { checkGroupName, checkStreamName, streamsOf } from '@switchyard/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { commitRequest, joinRequest, memberOf, queryInt, stateToWire } from './stream-wire.js';

interface GroupParams {
  name: string;
  group: string;
}

/**
 * Consumer groups of a stream, over `broker.engine.streams`: join, heartbeat and leave (the
 * member id travels in the body: it may be longer than a path segment allows), describe,
 * committed offsets, keyed state and the atomic commit. Every route needs `receive` on the
 * stream; a commit that appends or publishes also needs `send` on each output.
 */
export function streamGroupRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { broker } = ctx;
  const streams = () => streamsOf(broker.engine);
  const names = (p: GroupParams) => [checkStreamName(p.name), checkGroupName(p.group)] as const;

  app.post<{ Params: GroupParams; Body: unknown }>('/v1/streams/:name/groups/:group/join', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    return streams().joinGroup(stream, group, joinRequest(req.body));
  });

  app.post<{ Params: GroupParams; Body: unknown }>('/v1/streams/:name/groups/:group/heartbeat', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    return streams().heartbeat(stream, group, memberOf(req.body));
  });

  app.post<{ Params: GroupParams; Body: unknown }>('/v1/streams/:name/groups/:group/leave', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    return { left: await streams().leaveGroup(stream, group, memberOf(req.body)) };
  });

  // `{ group: null }` when there is no such group (the stream itself must exist).
  app.get<{ Params: GroupParams }>('/v1/streams/:name/groups/:group', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    return { group: await streams().describeGroup(stream, group) };
  });

  app.get<{ Params: GroupParams }>('/v1/streams/:name/groups/:group/offsets', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    return { offsets: await streams().committedOffsets(stream, group) };
  });

  app.get<{ Params: GroupParams; Querystring: { partition?: unknown } }>('/v1/streams/:name/groups/:group/state', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    const state = await streams().loadState(stream, group, queryInt('partition', req.query.partition));
    return { state: state.map(stateToWire) };
  });

  app.post<{ Params: GroupParams; Body: unknown }>('/v1/streams/:name/groups/:group/commit', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const [stream, group] = names(req.params);
    const { request, writesTo } = commitRequest(req.body, broker.limits, broker.clock);
    for (const output of writesTo) ctx.authorize(req, 'send', output);
    await streams().commit(stream, group, request);
    return { ok: true };
  });
}
