import assert from 'node:assert/strict';
import { ErrorCode, Header, isSwitchyardError, type Broker, type ManualClock, type Queue } from '@switchyard/core';
import { uniqueName } from '../harness.js';
import type { Operation, RunShape } from './operations.js';
import { QueueModel, type LeaseRef } from './queue-model.js';

/** A lease long enough that it does not end during the rest of a run (the drains use it). */
const drainLeaseMs = 600_000;
/** FIFO: shorter than the default 5 minutes, so that runs see ids forgotten. */
const dedupWindowMs = 60_000;

interface Held {
  ref: LeaseRef;
  receipt: string;
}

/**
 * Runs `ops` on a fresh standard queue (with a dead-letter queue where the engine has them) and
 * checks every answer against the model as it goes: each receive returns only deliverable
 * messages, with the right attempt, and — where `shape.clock` (engines on the injected clock, whose
 * reads see every write at once) — as many as it may; each operation on a receipt succeeds or is
 * refused as the model says; stats and purge count what the model holds. At the end it gives
 * back the leases still running, lets time pass every delay and lease, and drains both queues:
 * every message sent and not acked or purged comes back exactly once, from the queue or from the
 * dead-letter queue with the reason and attempts the model expects.
 */
export async function runAgainstModel(broker: Broker, clock: ManualClock, shape: RunShape, ops: readonly Operation[]): Promise<void> {
  const visibilityMs = shape.clock ? 10_000 : 60_000;
  const maxReceives = shape.deadLetter ? 3 : undefined;
  const dlq = shape.deadLetter ? await broker.createQueue(uniqueName('model-dlq')) : undefined;
  const name = shape.fifo ? `${uniqueName('model')}.fifo` : uniqueName('model');
  const q = await broker.createQueue(name, {
    visibilityTimeoutMs: visibilityMs,
    ...(dlq && { deadLetter: { queue: dlq.name, maxReceives: maxReceives as number } }),
    ...(shape.fifo && { fifo: true, dedupWindowMs }),
  });
  const model = new QueueModel(visibilityMs, maxReceives, shape.fifo ? { dedupWindowMs } : undefined);
  const held: Held[] = [];
  let sent = 0;
  try {
    for (const [i, o] of ops.entries()) {
      const now = clock.now();
      const at = `step ${i} (${JSON.stringify(o)})`;
      switch (o.op) {
        case 'send': {
          const ids = Array.from({ length: o.count }, () => `m${++sent}`);
          const messages = ids.map((id, k) => {
            const e = o.fifo?.[k];
            if (e) return e.dedup === undefined ? { id, body: `b${e.body}`, key: `g${e.group}` } : { id, body: `b${e.body}`, key: `g${e.group}`, dedupId: `d${e.dedup}` };
            return o.delayMs > 0 ? { id, body: id, delayMs: o.delayMs } : { id, body: id };
          });
          const results = await q.sendBatch(messages);
          const expected = ids.map((id, k) => {
            const e = o.fifo?.[k];
            // Without an explicit id a FIFO message is deduplicated by its body.
            return model.send(id, now, o.delayMs, e && { group: `g${e.group}`, dedupId: e.dedup === undefined ? `body:b${e.body}` : `id:d${e.dedup}` });
          });
          assert.deepEqual(
            results.map((r) => [r.id, r.duplicate]),
            expected.map((r) => [r.id, r.duplicate]),
            at,
          );
          break;
        }
        case 'receive': {
          const due = new Map(model.deliverable(now).map((m) => [m.id, m]));
          const got = await q.receive(o.visibilityMs === undefined ? { max: o.max } : { max: o.max, visibilityMs: o.visibilityMs });
          const ids = got.map((d) => d.id);
          assert.equal(new Set(ids).size, ids.length, `${at}: one receive returned a message twice: ${ids.join(', ')}`);
          for (const d of got) {
            const m = due.get(d.id);
            assert.ok(m, `${at}: received ${d.id}, which is not deliverable now: ${JSON.stringify(model.messages.get(d.id))}`);
            assert.equal(d.attempt, m.receives + 1, `${at}: the attempt of ${d.id}`);
          }
          const most = Math.min(o.max, due.size);
          if (shape.clock) assert.equal(got.length, most, `${at}: ${due.size} deliverable (${[...due.keys()].join(', ')}), got ${ids.join(', ') || 'none'}`);
          else assert.ok(got.length <= most, `${at}: got ${got.length}, at most ${most} deliverable`);
          model.lease(ids, now, o.visibilityMs).forEach((ref, k) => held.push({ ref, receipt: (got[k] as { receipt: string }).receipt }));
          break;
        }
        case 'ack': {
          const h = choose(held, model, now, o);
          if (!h) break;
          const may = model.ackOutcome(h.ref, now);
          const outcome = await settle(() => q.ack(h.receipt));
          assert.ok(outcome === 'ok' ? may.ok : may.expired, `${at}: ack of lease ${h.ref.lease} of ${h.ref.id} ${outcome === 'ok' ? 'succeeded' : 'was refused as expired'}: ${JSON.stringify(model.messages.get(h.ref.id))}`);
          if (outcome === 'ok') model.acked(h.ref, now);
          break;
        }
        case 'nack':
        case 'extend':
        case 'poison': {
          const h = choose(held, model, now, o);
          if (!h) break;
          const live = model.live(h.ref, now);
          const before = JSON.stringify(model.messages.get(h.ref.id));
          const outcome = await settle(() => (o.op === 'nack' ? q.nack(h.receipt, o.delayMs > 0 ? { delayMs: o.delayMs } : {}) : o.op === 'extend' ? q.extend(h.receipt, o.ms) : q.deadLetter(h.receipt)));
          assert.equal(outcome, live ? 'ok' : 'expired', `${at}: ${o.op} of lease ${h.ref.lease} of ${h.ref.id}: ${before}`);
          if (!live) break;
          if (o.op === 'nack') model.nack(h.ref, now, o.delayMs);
          else if (o.op === 'extend') model.extend(h.ref, now, o.ms);
          else model.poison(h.ref);
          break;
        }
        case 'advance':
          await advanceAvoiding(clock, model, o.ms);
          break;
        case 'stats': {
          const s = await q.stats();
          const e = model.stats(now);
          assert.ok(s.ready >= e.ready.min && s.ready <= e.ready.max, `${at}: ready ${s.ready}, expected ${e.ready.min}..${e.ready.max}`);
          assert.deepEqual({ leased: s.leased, delayed: s.delayed }, { leased: e.leased, delayed: e.delayed }, `${at}: stats ${JSON.stringify(s)}`);
          break;
        }
        case 'purge': {
          const counted = model.purge(now);
          const n = await q.purge();
          assert.ok(n >= counted.min && n <= counted.max, `${at}: purge removed ${n}, expected ${counted.min}..${counted.max}`);
          break;
        }
      }
    }
    await drainAndCheck(q, dlq, clock, model, held, shape);
  } finally {
    await broker.deleteQueue(q.name);
    if (dlq) await broker.deleteQueue(dlq.name);
  }
}

/** A past delivery to act on: with `live`, one whose lease is running, if any is. */
function choose(held: readonly Held[], model: QueueModel, now: number, o: { pick: number; live: boolean }): Held | undefined {
  const pool = o.live ? held.filter((h) => model.live(h.ref, now)) : [];
  const from = pool.length > 0 ? pool : held;
  return from[o.pick % Math.max(1, from.length)];
}

/** 'ok', or 'expired' for RECEIPT_EXPIRED; anything else fails the run. */
async function settle(action: () => Promise<void>): Promise<'ok' | 'expired'> {
  try {
    await action();
    return 'ok';
  } catch (err) {
    if (isSwitchyardError(err) && err.code === ErrorCode.ReceiptExpired) return 'expired';
    throw err;
  }
}

/**
 * Moves the clock about `ms`, never onto the instant a message changes state: at that instant
 * `<` and `<=` differ, and the contract does not say which side an engine takes.
 */
async function advanceAvoiding(clock: ManualClock, model: QueueModel, ms: number): Promise<void> {
  const deadlines = model.deadlines();
  let step = ms;
  while (deadlines.has(clock.now() + step)) step++;
  await clock.advance(step);
}

async function drainAndCheck(q: Queue, dlq: Queue | undefined, clock: ManualClock, model: QueueModel, held: readonly Held[], shape: RunShape): Promise<void> {
  let now = clock.now();
  for (const h of held) {
    if (!model.live(h.ref, now)) continue;
    await q.nack(h.receipt);
    model.nack(h.ref, now, 0);
  }
  if (shape.clock) await advanceAvoiding(clock, model, model.lastDue(now) - now + 1);
  now = clock.now();
  // Every stored message with a lease left, oldest first (so each FIFO group in its order).
  const expected = new Map([...model.messages.values()].filter((m) => m.fate === 'stored' && !model.usedUp(m)).map((m) => [m.id, m]));
  const drained = await drain(q, shape);
  for (const d of drained) {
    const m = expected.get(d.id);
    assert.ok(m, `drain: ${d.id} came back, but the model has it ${JSON.stringify(model.messages.get(d.id))}`);
    assert.equal(d.attempt, m.receives + 1, `drain: the attempt of ${d.id}`);
  }
  assert.deepEqual(sorted(drained.map((d) => d.id)), sorted(expected.keys()), 'drain: what the queue still held');
  if (shape.fifo) {
    const inGroups = (ms: Iterable<{ id: string; group?: string | undefined }>, group: string) => [...ms].filter((m) => m.group === group).map((m) => m.id);
    const groupOf = (id: string) => model.messages.get(id)?.group ?? '';
    for (const group of new Set([...expected.values()].map((m) => m.group ?? ''))) {
      assert.deepEqual(inGroups(drained.map((d) => ({ id: d.id, group: groupOf(d.id) })), group), inGroups(expected.values(), group), `drain: the order of group ${group}`);
    }
  }
  if (!dlq) return;
  const dead = [...model.messages.values()].filter((m) => m.fate === 'dead' || (m.fate === 'stored' && model.usedUp(m)));
  const got = await drain(dlq, shape);
  const byId = new Map(dead.map((m) => [m.id, m]));
  for (const d of got) {
    const m = byId.get(d.id);
    assert.ok(m, `dead-letter queue: ${d.id} is there, but the model has it ${JSON.stringify(model.messages.get(d.id))}`);
    assert.equal(d.headers[Header.deadLetterReason], m.deadReason ?? 'max-receives', `dead-letter queue: the reason of ${d.id}`);
    assert.equal(d.headers[Header.deadLetterAttempts], String(m.receives), `dead-letter queue: the attempts of ${d.id}`);
  }
  const must = dead.filter((m) => !m.maybePurged).map((m) => m.id);
  const there = new Set(got.map((d) => d.id));
  assert.deepEqual(
    sorted(must.filter((id) => !there.has(id))),
    [],
    'dead-letter queue: messages missing',
  );
}

/**
 * Receives until a receive comes back empty (waiting a little for it where reads may lag), acking
 * each message (on a FIFO queue the next of a group comes only then).
 */
async function drain(q: Queue, shape: RunShape): Promise<{ id: string; attempt: number; headers: Record<string, string> }[]> {
  const out: { id: string; attempt: number; headers: Record<string, string> }[] = [];
  for (;;) {
    const got = await q.receive({ max: 10, visibilityMs: drainLeaseMs, waitMs: shape.clock ? 0 : 500 });
    if (got.length === 0) return out;
    const seen = new Set(out.map((d) => d.id));
    for (const d of got) {
      assert.ok(!seen.has(d.id), `drain of ${q.name}: ${d.id} came back twice`);
      out.push(d);
      await q.ack(d);
    }
  }
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}
