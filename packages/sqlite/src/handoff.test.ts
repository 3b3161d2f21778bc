import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyKind, Broker, isSwitchyardError, ManualClock, type EnqueueEntry } from '@switchyard/core';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { SqliteEngine } from './index.js';

const { file } = tempFiles('handoff');

/** Lets pending commits run and their callers resume (the batcher commits within a few turns). */
async function turns(count = 10): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((r) => setImmediate(r));
}

/** An engine on a file with a manual clock (nothing times out unless the test moves it). */
function open(path = file(), watchIntervalMs = 60_000) {
  const clock = new ManualClock();
  const engine = new SqliteEngine({ path, clock, watchIntervalMs });
  return { clock, engine, broker: new Broker(engine, { clock }) };
}

describe('sqlite engine: sends hand messages straight to waiting receives', () => {
  it('gives a waiting receive the message in the send’s own commit, as a lease would have given it', async () => {
    const { engine, broker } = open();
    const q = await broker.createQueue('jobs');
    const waiting = q.receive({ max: 5, waitMs: 10_000 });
    await turns();
    const before = engine.commitStats;
    const sent = await q.send({ body: { n: 1 }, headers: { a: '1' }, key: 'k', type: 'job.made' });
    const [handed, ...rest] = await waiting;
    assert.equal(rest.length, 0);
    assert.equal(engine.commitStats.commits - before.commits, 1, 'no lease commit after the send');
    assert.equal(engine.commitStats.handedOver - before.handedOver, 1);

    // The same message leased the ordinary way (nobody waiting) looks the same.
    await q.send({ id: 'second', body: { n: 1 }, headers: { a: '1' }, key: 'k', type: 'job.made', timestamp: handed!.timestamp });
    const [leased] = await q.receive();
    const shape = (d: typeof handed) => ({ ...d, id: undefined, receipt: undefined, sequence: undefined });
    assert.deepEqual(shape(handed), shape(leased));
    assert.equal(handed!.id, sent.id);
    assert.equal(handed!.sequence, sent.sequence);
    assert.equal(handed!.attempt, 1);
    assert.equal(handed!.firstReceivedAt, handed!.enqueuedAt);

    assert.deepEqual(await q.stats(), { ready: 0, leased: 2, delayed: 0, blocked: 0, oldestAgeMs: 0, deadLettered: 0, expired: 0 });
    await q.ack(handed!);
    await q.ack(leased!);
    assert.equal((await q.stats()).leased, 0);
    await broker.close();
  });

  it('stores the message leased: after the visibility timeout it comes back as attempt 2, then dead-letters', async () => {
    const { clock, broker } = open();
    const dlq = await broker.createQueue('jobs-dlq');
    const q = await broker.createQueue('jobs', { deadLetter: { queue: dlq.name, maxReceives: 2 } });
    const waiting = q.receive({ waitMs: 10_000, visibilityMs: 1_000 });
    await turns();
    await q.send({ body: 'x' });
    const [first] = await waiting;
    assert.equal((await q.stats()).leased, 1);

    await clock.advance(1_001);
    const [second] = await q.receive({ visibilityMs: 1_000 });
    assert.equal(second!.id, first!.id);
    assert.equal(second!.attempt, 2);
    await assert.rejects(q.ack(first!), (err) => isSwitchyardError(err, 'RECEIPT_EXPIRED'));

    await clock.advance(1_001);
    assert.deepEqual(await q.receive(), []);
    const [dead] = await dlq.receive();
    assert.equal(dead!.id, first!.id);
    assert.equal(dead!.headers['dead-letter-attempts'], '2');
    await broker.close();
  });

  it('copies the body: the sender’s bytes are not the receiver’s', async () => {
    const { engine, broker } = open();
    const q = await broker.createQueue('bytes');
    const waiting = q.receive({ waitMs: 10_000 });
    await turns();
    const bytes = new Uint8Array([1, 2, 3]);
    await q.send({ body: bytes });
    bytes[0] = 9;
    const [d] = await waiting;
    assert.equal(engine.commitStats.handedOver, 1, 'the message went the hand-over way');
    assert.deepEqual([...(d!.body as Uint8Array)], [1, 2, 3]);
    await broker.close();
  });

  it('never lets a new message overtake one already ready', async () => {
    const path = file();
    const mine = open(path);
    const q = await mine.broker.createQueue('jobs');
    const waiting = q.receive({ max: 10, waitMs: 10_000 });
    await turns();
    // Another process's send: ready in the file, unseen by this process's waiting receive (its
    // watch runs only every minute here).
    const other = open(path);
    await other.broker.queue('jobs').send({ body: 'first' });
    await q.send({ body: 'second' });
    const got = await waiting;
    assert.deepEqual(
      got.map((d) => d.body),
      ['first', 'second'],
    );
    assert.equal(mine.engine.commitStats.handedOver, 0);
    await other.broker.close();
    await mine.broker.close();
  });

  it('lets a receive that comes up short take the sends later in its own commit', async () => {
    const { engine, broker } = open();
    const q = await broker.createQueue('jobs');
    const before = engine.commitStats.commits;
    const [got] = await Promise.all([q.receive({ max: 3, waitMs: 0 }), q.send({ body: 'a' }), q.send({ body: 'b' })]);
    assert.deepEqual(
      got.map((d) => d.body),
      ['a', 'b'],
    );
    assert.equal(engine.commitStats.commits - before, 1);
    await broker.close();
  });

  it('fills the longest-waiting receive first, up to its max', async () => {
    const { broker } = open();
    const q = await broker.createQueue('jobs');
    const older = q.receive({ max: 2, waitMs: 10_000 });
    await turns();
    const newer = q.receive({ max: 5, waitMs: 10_000 });
    await turns();
    await q.sendBatch([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4 }]);
    assert.deepEqual(
      (await older).map((d) => d.body),
      [1, 2],
    );
    assert.deepEqual(
      (await newer).map((d) => d.body),
      [3, 4],
    );
    await broker.close();
  });

  it('takes a handed message back when its send rolls back', async () => {
    const { engine, broker } = open();
    const q = await broker.createQueue('jobs');
    let settled = false;
    const waiting = q.receive({ waitMs: 10_000 }).finally(() => (settled = true));
    await turns();
    const entry = (id: string, type: string): EnqueueEntry => ({ id, type, body: { kind: BodyKind.text, data: Buffer.from(id) }, headers: {}, timestamp: 1 });
    // The first entry is handed over, then the second breaks the batch (type NOT NULL): all of it rolls back.
    await assert.rejects(engine.queues.enqueue('jobs', [entry('good', 'm'), entry('bad', null as unknown as string)]));
    await turns();
    assert.equal(settled, false, 'the receive got nothing from the failed send');
    assert.equal(engine.commitStats.handedOver, 0);
    assert.deepEqual(await q.stats(), { ready: 0, leased: 0, delayed: 0, blocked: 0, oldestAgeMs: 0, deadLettered: 0, expired: 0 });
    await q.send({ id: 'later', body: 'later' });
    const got = await waiting;
    assert.deepEqual(
      got.map((d) => d.id),
      ['later'],
    );
    await broker.close();
  });

  it('hands a published message to a waiting receive on each subscribed queue, each with its own body', async () => {
    const { engine, broker } = open();
    const a = await broker.createQueue('a');
    const b = await broker.createQueue('b');
    const topic = await broker.createTopic('events');
    await topic.subscribe(a.name);
    await topic.subscribe(b.name);
    const waitingA = a.receive({ waitMs: 10_000 });
    const waitingB = b.receive({ waitMs: 10_000 });
    await turns();
    const before = engine.commitStats;
    await topic.publish({ body: new Uint8Array([7]) });
    const [fromA] = await waitingA;
    const [fromB] = await waitingB;
    assert.equal(engine.commitStats.commits - before.commits, 1);
    assert.equal(engine.commitStats.handedOver - before.handedOver, 2);
    assert.equal(fromA!.id, fromB!.id);
    (fromA!.body as Uint8Array)[0] = 1;
    assert.deepEqual([...(fromB!.body as Uint8Array)], [7]);
    await broker.close();
  });

  it('leaves a receive with a zero visibility timeout to the ordinary lease', async () => {
    const { engine, broker } = open();
    const q = await broker.createQueue('jobs');
    const waiting = q.receive({ waitMs: 10_000, visibilityMs: 0 });
    await turns();
    await q.send({ body: 'x' });
    const [d] = await waiting;
    assert.equal(d!.body, 'x');
    assert.equal(engine.commitStats.handedOver, 0);
    assert.equal((await q.stats()).ready, 1, 'leased for no time: ready again at once');
    await broker.close();
  });

  it('leaves FIFO queues and delayed messages to the ordinary lease', async () => {
    const { clock, engine, broker } = open();
    const fifo = await broker.createQueue('orders.fifo', { fifo: true });
    const waitingFifo = fifo.receive({ waitMs: 10_000 });
    await turns();
    await fifo.send({ body: 'o', key: 'g' });
    assert.equal((await waitingFifo).length, 1);

    const q = await broker.createQueue('later');
    const waiting = q.receive({ waitMs: 10_000 });
    await turns();
    await q.send({ body: 'd', delayMs: 500 });
    await turns();
    await clock.advance(500);
    assert.equal((await waiting).length, 1);
    assert.equal(engine.commitStats.handedOver, 0);
    await broker.close();
  });
});
