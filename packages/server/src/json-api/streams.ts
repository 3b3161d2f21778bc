import { checkStreamName, InvalidArgumentError, isSwitchyardError, resolveStreamOptions, streamsOf, type StreamOptions } from '@switchyard/core';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import { fromWire } from './codec.js';
import { streamGroupRoutes } from './stream-groups.js';
import { queryInt, readRequest, recordToWire } from './stream-wire.js';

interface NameParams {
  name: string;
}

/**
 * Streams: one route per StreamEngine operation, thin over the `Stream` facade where it has the
 * operation and over `broker.engine.streams` (with stream-wire.ts validating first) where only
 * the engine has it. On an engine without streams every route answers 501 UNSUPPORTED.
 * Permissions: `manage` to create, delete, list and trim; `send` to append; `receive` to read,
 * inspect and take part in consumer groups (stream-groups.ts).
 */
export function streamRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { broker, metrics } = ctx;
  const streams = () => streamsOf(broker.engine);

  app.get<{ Querystring: { prefix?: unknown } }>('/v1/streams', async (req) => {
    ctx.authorize(req, 'manage', '*');
    const { prefix } = req.query;
    if (prefix !== undefined && typeof prefix !== 'string') throw new InvalidArgumentError('prefix', 'must be given once');
    return { streams: await broker.listStreams(prefix) };
  });

  // Idempotent: the same settings again return the stream; other settings are a 409.
  app.put<{ Params: NameParams; Body: StreamOptions | null }>('/v1/streams/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return streams().createStream(checkStreamName(req.params.name), resolveStreamOptions(req.body ?? {}));
  });

  app.get<{ Params: NameParams }>('/v1/streams/:name', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    return broker.stream(req.params.name).info();
  });

  app.delete<{ Params: NameParams }>('/v1/streams/:name', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return { deleted: await broker.deleteStream(req.params.name) };
  });

  app.post<{ Params: NameParams; Body: { messages?: unknown } | null }>('/v1/streams/:name/messages', async (req) => {
    ctx.authorize(req, 'send', req.params.name);
    const messages = req.body?.messages;
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', 'must be an array');
    return { results: await broker.stream(req.params.name).appendBatch(messages.map(fromWire)) };
  });

  app.post<{ Params: NameParams; Body: unknown }>('/v1/streams/:name/read', async (req, reply) => {
    ctx.authorize(req, 'receive', req.params.name);
    const name = checkStreamName(req.params.name);
    const request = readRequest(req.body, broker.limits);
    // A long poll ends early, empty, when the server shuts down or the client goes away.
    const gone = requestSignal(reply, ctx.shutdown);
    metrics.waiting.inc();
    try {
      const records = await streams().read(name, request, gone.signal);
      return { records: records.map(recordToWire) };
    } catch (err) {
      if (isSwitchyardError(err, 'ABORTED')) return { records: [] };
      throw err;
    } finally {
      gone.release();
      metrics.waiting.dec();
    }
  });

  app.get<{ Params: NameParams }>('/v1/streams/:name/offsets', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    return { partitions: await broker.stream(req.params.name).offsets() };
  });

  app.get<{ Params: NameParams; Querystring: { partition?: unknown; timestamp?: unknown } }>('/v1/streams/:name/offset-for-timestamp', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    const partition = queryInt('partition', req.query.partition);
    const timestamp = queryInt('timestamp', req.query.timestamp);
    return { offset: await broker.stream(req.params.name).offsetForTimestamp(partition, timestamp) };
  });

  app.post<{ Params: NameParams }>('/v1/streams/:name/trim', async (req) => {
    ctx.authorize(req, 'manage', req.params.name);
    return broker.stream(req.params.name).trim();
  });

  app.get<{ Params: NameParams }>('/v1/streams/:name/stats', async (req) => {
    ctx.authorize(req, 'receive', req.params.name);
    return broker.stream(req.params.name).stats();
  });

  streamGroupRoutes(app, ctx);
}
