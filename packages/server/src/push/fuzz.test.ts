/**
 * Fuzzing the push channel's frames with fast-check, against a real (in-memory) broker: whatever
 * a client sends, each request is answered exactly once — with its result or a 4xx error frame —
 * the session never throws, nothing fails as a server error, and a queue nobody named is left
 * exactly as it was.
 */
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { createMetrics } from '../metrics.js';
import { testApp } from '../testing.js';
import { parseFrame } from './frames.js';
import { PushSession } from './session.js';

let t: ReturnType<typeof testApp>;
before(async () => {
  t = testApp();
  const canary = await t.broker.createQueue('canary');
  await canary.sendBatch([{ body: { keep: 1 } }, { body: 'keep 2' }]);
  const q1 = await t.broker.createQueue('q1');
  await q1.sendBatch(Array.from({ length: 200 }, (_, n) => ({ body: { n } })));
  await t.broker.createQueue('q2.fifo');
});
after(() => t.close());

const canaryState = async () => JSON.stringify((await t.broker.queue('canary').peek({ max: 10 })).messages.map((m) => [m.id, m.body, m.state, m.receives]));

/** Mostly plausible values, so requests get past validation to the engine; sometimes anything. */
const some = <T>(likely: fc.Arbitrary<T>) => fc.oneof({ arbitrary: likely, weight: 9 }, { arbitrary: fc.jsonValue(), weight: 1 });
/** A receipt from an earlier answer (`{ pool: k }`, filled in when the frame is sent) or a made-up one. */
const receipt = fc.oneof({ arbitrary: fc.nat().map((k) => ({ pool: k })), weight: 6 }, { arbitrary: fc.string(), weight: 2 }, { arbitrary: fc.jsonValue(), weight: 1 });
// Receives never wait (a valid wait would hold the run for real seconds): waitMs is 0, absent or
// invalid. Leases are short, so leased messages come back for later receives.
const requestFrame = fc.record(
  {
    op: fc.constantFrom('receive', 'receive', 'ack', 'nack', 'extend', 'cancel', 'bogus'),
    id: some(fc.oneof(fc.string({ minLength: 1, maxLength: 70 }), fc.integer({ min: -2, max: 1_000_000 }))),
    queue: some(fc.constantFrom('q1', 'q1', 'q2.fifo', 'missing', 'bad name', '')),
    max: some(fc.integer({ min: -1, max: 12 })),
    waitMs: fc.constantFrom(0, -1, 'x', null, 2.5, 10_000_000),
    visibilityMs: some(fc.integer({ min: -1, max: 50 })),
    receipt,
    delayMs: some(fc.integer({ min: -1, max: 50 })),
    error: some(fc.string()),
    fence: fc.jsonValue(),
  },
  { requiredKeys: ['op', 'id', 'queue'] },
);
const frames = fc.oneof(
  { arbitrary: requestFrame, weight: 8 },
  { arbitrary: fc.string(), weight: 1 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 1 },
);

/** The frame's text, with a receipt picked from `pool` where the request asks for one. */
function textOf(frame: string | Record<string, unknown>, pool: string[]): string {
  if (typeof frame === 'string') return frame;
  const r = frame.receipt as { pool?: number } | undefined;
  if (r && typeof r === 'object' && typeof r.pool === 'number') return JSON.stringify({ ...frame, receipt: pool[r.pool % Math.max(1, pool.length)] ?? 'none-yet' });
  return JSON.stringify(frame);
}

/** Answers a frame gets: none for a readable cancel (the receive it ends answers), one otherwise. */
function answersExpected(text: string): number {
  try {
    return parseFrame(text).op === 'cancel' ? 0 : 1;
  } catch {
    return 1;
  }
}

describe('push channel fuzzing', () => {
  it('answers every frame once, with a result or a 4xx error frame, and never fails', async () => {
    const before = await canaryState();
    const sent: Record<string, unknown>[] = [];
    const serverErrors: unknown[] = [];
    const socket = { readyState: 1, send: (data: string) => void sent.push(JSON.parse(data) as Record<string, unknown>) };
    const ctx: ServerContext = { broker: t.broker, metrics: createMetrics(t.broker), shutdown: new AbortController().signal, authorize: () => undefined, baseUrl: () => '' };
    const request = { log: { error: (entry: unknown) => void serverErrors.push(entry) } } as unknown as FastifyRequest;
    const session = new PushSession(socket, { ctx, request, maxPendingReceives: 4 });
    const receipts: string[] = [];
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const text = textOf(frame, receipts);
        const from = sent.length;
        session.handle(text);
        const expected = answersExpected(text);
        // The engine answers within a few group commits (a turn or two of the loop each).
        const deadline = Date.now() + 5000;
        while (sent.length < from + expected && Date.now() < deadline) await turn();
        const answers = sent.slice(from);
        assert.equal(answers.length, expected, `${text} → ${JSON.stringify(answers)}`);
        for (const a of answers) {
          const ok = Array.isArray(a.messages) || a.ok === true || typeof (a.error as { code?: unknown } | undefined)?.code === 'string';
          assert.ok(ok, `${text} → ${JSON.stringify(a)}`);
        }
        assert.deepEqual(serverErrors, [], `${text} failed as a server error`);
        for (const a of answers) if (Array.isArray(a.messages)) for (const m of a.messages as { receipt: string }[]) receipts.push(m.receipt);
      }),
      { numRuns: 1500 },
    );
    session.close();
    // The requests reached the engine, not only its validation.
    assert.ok(sent.some((a) => Array.isArray(a.messages) && a.messages.length > 0), 'no receive leased anything');
    assert.ok(sent.some((a) => a.ok === true), 'no ack, nack or extend succeeded');
    assert.equal(await canaryState(), before, 'the canary queue changed');
  });
});
