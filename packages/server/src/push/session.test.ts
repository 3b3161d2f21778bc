import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueNotFoundError, settle, type Broker, type Delivery, type ReceiveOptions } from '@switchyard/core';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { createMetrics } from '../metrics.js';
import { Fences } from '../test-clock/fences.js';
import { PushSession } from './session.js';

/** A queue whose receives the test settles by hand, recording what the session does with it. */
function fakeBroker() {
  const receives: { options: ReceiveOptions; resolve(d: Delivery[]): void; reject(e: unknown): void }[] = [];
  const calls: string[] = [];
  const queue = (name: string) => ({
    name,
    receive: (options: ReceiveOptions) => new Promise<Delivery[]>((resolve, reject) => receives.push({ options, resolve, reject })),
    ack: async (r: string) => void calls.push(`ack ${r}`),
    nack: async (r: string | { receipt: string }, o: { delayMs?: number; error?: unknown } = {}) =>
      void calls.push(`nack ${typeof r === 'string' ? r : r.receipt}${o.delayMs === undefined ? '' : ` ${o.delayMs}`}`),
    extend: async (r: string, ms: number) => void calls.push(`extend ${r} ${ms}`),
  });
  return { broker: { queue } as unknown as Broker, receives, calls };
}

function setup(options: { fences?: Fences } = {}) {
  const { broker, receives, calls } = fakeBroker();
  const sent: Record<string, unknown>[] = [];
  const socket = { readyState: 1, send: (data: string) => void sent.push(JSON.parse(data) as Record<string, unknown>) };
  const ctx: ServerContext = { broker, metrics: createMetrics(broker), shutdown: new AbortController().signal, authorize: () => undefined, baseUrl: () => '' };
  const request = { log: { error: () => undefined } } as unknown as FastifyRequest;
  const session = new PushSession(socket, { ctx, request, maxPendingReceives: 2, ...options });
  const frame = (f: object) => session.handle(JSON.stringify(f));
  return { session, socket, sent, receives, calls, frame };
}

const delivery = (receipt: string) => ({ id: receipt, type: 't', body: 'x', headers: {}, timestamp: 0, queue: 'q', receipt, attempt: 1, enqueuedAt: 0 }) as Delivery;

describe('push session', () => {
  it('answers a receive with the messages it leased, by id', async () => {
    const { receives, sent, frame } = setup();
    frame({ op: 'receive', id: 'r1', queue: 'q', max: 5, waitMs: 1000, visibilityMs: 10 });
    assert.equal(receives.length, 1);
    assert.deepEqual({ ...receives[0]?.options, signal: undefined }, { max: 5, waitMs: 1000, visibilityMs: 10, signal: undefined });
    assert.deepEqual(sent, [], 'answered before anything was leased');
    receives[0]?.resolve([delivery('a')]);
    await settle();
    assert.deepEqual(sent, [{ id: 'r1', messages: [{ ...delivery('a') }] }]);
  });

  it('releases what a receive leased after its connection closed, and sends nothing', async () => {
    const { session, socket, receives, sent, calls, frame } = setup();
    frame({ op: 'receive', id: 1, queue: 'q', waitMs: 1000 });
    session.close();
    (socket as { readyState: number }).readyState = 3;
    assert.equal(receives[0]?.options.signal?.aborted, true, 'the waiting receive was not cancelled');
    receives[0]?.resolve([delivery('a'), delivery('b')]); // leased in the instant before the cancel took
    await settle();
    assert.deepEqual(calls.sort(), ['nack a', 'nack b']);
    assert.deepEqual(sent, []);
  });

  it('cancel ends a receive early; anything it had leased is released and the answer is empty', async () => {
    const { receives, sent, calls, frame } = setup();
    frame({ op: 'receive', id: 7, queue: 'q', waitMs: 1000 });
    frame({ op: 'cancel', id: 7 });
    assert.equal(receives[0]?.options.signal?.aborted, true);
    receives[0]?.resolve([delivery('a')]);
    await settle();
    assert.deepEqual(calls, ['nack a']);
    assert.deepEqual(sent, [{ id: 7, messages: [] }]);
  });

  it('answers a failed request with its typed error code, and unreadable frames with id null', async () => {
    const { receives, sent, frame, session } = setup();
    frame({ op: 'receive', id: 1, queue: 'q' });
    receives[0]?.reject(new QueueNotFoundError('q'));
    session.handle('not json');
    frame({ op: 'dance', id: 2 });
    frame({ op: 'receive', id: 1.5, queue: 'q' });
    await settle();
    assert.deepEqual(sent, [
      { id: null, error: { code: 'BAD_REQUEST', message: 'a frame must be a JSON object' } },
      { id: 2, error: { code: 'BAD_REQUEST', message: 'op: must be one of receive, ack, nack, extend, cancel' } },
      { id: null, error: { code: 'BAD_REQUEST', message: 'id: must be a string of 1 to 64 characters or a non-negative integer' } },
      { id: 1, error: { code: 'QUEUE_NOT_FOUND', message: 'queue "q" does not exist' } },
    ]);
  });

  it('refuses a second receive with a pending id, and more than the pending limit', () => {
    const { sent, frame, session } = setup();
    frame({ op: 'receive', id: 1, queue: 'q', waitMs: 1000 });
    frame({ op: 'receive', id: 1, queue: 'q', waitMs: 1000 });
    frame({ op: 'receive', id: 2, queue: 'q', waitMs: 1000 });
    frame({ op: 'receive', id: 3, queue: 'q', waitMs: 1000 });
    assert.equal(session.pendingReceives, 2);
    assert.deepEqual(sent, [
      { id: 1, error: { code: 'BAD_REQUEST', message: 'a receive with id 1 is already pending' } },
      { id: 3, error: { code: 'BAD_REQUEST', message: 'at most 2 receives may wait on one connection' } },
    ]);
  });

  it('acks, nacks and extends, answering ok', async () => {
    const { sent, calls, frame } = setup();
    frame({ op: 'ack', id: 1, queue: 'q', receipt: 'a' });
    frame({ op: 'nack', id: 2, queue: 'q', receipt: 'b', delayMs: 500 });
    frame({ op: 'extend', id: 3, queue: 'q', receipt: 'c', visibilityMs: 9 });
    await settle();
    assert.deepEqual(calls, ['ack a', 'nack b 500', 'extend c 9']);
    assert.deepEqual(sent, [
      { id: 1, ok: true },
      { id: 2, ok: true },
      { id: 3, ok: true },
    ]);
  });

  it('marks a frame\'s fence once the request has begun (test-clock mode)', () => {
    const fences = new Fences();
    const { frame } = setup({ fences });
    assert.equal(fences.has('c1.1'), false);
    frame({ op: 'receive', id: 1, queue: 'q', waitMs: 1000, fence: 'c1.1' });
    assert.equal(fences.has('c1.1'), true);
  });
});
