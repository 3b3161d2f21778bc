import { checkInt, settle, type ManualClock } from '@switchyard/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { HttpError, HttpErrorCode } from '../http-errors.js';
import type { LeaseTable } from '../registry/lease-table.js';
import { fenceHeader, type Fences } from './fences.js';

/** An advance waits at most this long (real time) for the operations it must follow. */
const fenceTimeoutMs = 5_000;
const maxAdvanceMs = 30 * 24 * 3600_000;

/**
 * Test-clock mode (`switchyard server --test-clock`): the server's engine reads a ManualClock that
 * only these routes move, so a test in another process drives visibility timeouts, delays and long
 * polls exactly as it would an embedded engine. Never registered otherwise.
 *
 * - `GET /v1/_test/clock` → `{ now }`
 * - `POST /v1/_test/clock/advance { ms, fences? }` → `{ now }`: first waits until the server has
 *   begun every listed operation (see Fences), then fires due timers in order, like ManualClock.
 * - `POST /v1/_test/reset` → deletes every topic, queue and stream and revokes every registry
 *   lease, so each test case starts empty.
 */
export function testClockRoutes(app: FastifyInstance, ctx: ServerContext, clock: ManualClock, fences: Fences, leases: LeaseTable): void {
  const markFence = async (request: FastifyRequest) => {
    const fence = request.headers[fenceHeader];
    if (typeof fence === 'string') fences.mark(fence);
  };
  // preHandler runs right before the handler (only microtasks between them); onResponse covers
  // requests refused before that, so a refused request never holds an advance up.
  app.addHook('preHandler', markFence);
  app.addHook('onResponse', markFence);

  let advancing: Promise<unknown> = Promise.resolve();

  app.get('/v1/_test/clock', async (req) => {
    ctx.authorize(req, 'manage', '*');
    return { now: clock.now() };
  });

  app.post<{ Body: { ms?: unknown; fences?: unknown } | null }>('/v1/_test/clock/advance', async (req) => {
    ctx.authorize(req, 'manage', '*');
    const ms = checkInt('ms', req.body?.ms, { min: 0, max: maxAdvanceMs });
    const awaited = fenceList(req.body?.fences);
    await fences.waitFor(awaited, fenceTimeoutMs);
    // Advances run one at a time: ManualClock.advance is not reentrant.
    const run = advancing.then(async () => {
      await settle(); // let the operations just begun reach their first wait
      await clock.advance(ms);
    });
    advancing = run.catch(() => undefined);
    await run;
    return { now: clock.now() };
  });

  app.post('/v1/_test/reset', async (req) => {
    ctx.authorize(req, 'manage', '*');
    const { broker } = ctx;
    const topics = await broker.listTopics();
    for (const t of topics) await broker.deleteTopic(t.name);
    const queues = await broker.listQueues();
    // A dead-letter queue cannot go while a source points at it: unhook them all first.
    for (const q of queues) if (q.deadLetter) await broker.queue(q.name).update({ deadLetter: null });
    for (const q of queues) await broker.deleteQueue(q.name);
    let streams = 0;
    if (broker.features.streams.supported) {
      for (const s of await broker.listStreams()) streams += (await broker.deleteStream(s.name)) ? 1 : 0;
    }
    return { queues: queues.length, topics: topics.length, streams, leases: await leases.revokeAll() };
  });
}

function fenceList(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10_000 || !value.every((f) => typeof f === 'string')) {
    throw new HttpError(400, HttpErrorCode.BadRequest, 'fences: must be an array of strings');
  }
  return value as string[];
}
