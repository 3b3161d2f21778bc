/**
 * `npm start`: a short narrated tour of the embedded broker on a real file.
 * Queue with a dead-letter queue → send → receive → ack → nack → a poison message lands in the
 * DLQ → redrive → FIFO order and dedup → a topic fanning out with a filter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBroker } from './index.js';

const say = (text: string) => console.log(`\n▸ ${text}`);
const show = (label: string, value: unknown) => console.log(`  ${label}: ${JSON.stringify(value)}`);

const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
const path = join(dir, 'demo.db');
say(`Opening the embedded broker on ${path} (SQLite, WAL, fsync on every commit)`);
const broker = await openBroker({ path });
try {
  const dlq = await broker.createQueue('orders-dlq');
  const orders = await broker.createQueue('orders', { visibilityTimeoutMs: 5_000, deadLetter: { queue: 'orders-dlq', maxReceives: 2 } });
  show('queue', await orders.info());

  say('A consumer long-polls; a send wakes it at once');
  const waiting = orders.receive({ waitMs: 10_000 });
  const started = Date.now();
  await orders.send({ type: 'order.created', body: { orderId: 'A-1', total: 42 }, headers: { region: 'eu' } });
  const [first] = await waiting;
  show('received after ms', Date.now() - started);
  show('message', { type: first?.type, body: first?.body, attempt: first?.attempt });
  await orders.ack(first!);
  say('Acked: it is deleted and will never be delivered again');
  show('stats', await orders.stats());

  say('A handler that keeps failing: nack twice, and the message moves to the dead-letter queue');
  await orders.send({ type: 'order.created', body: { orderId: 'B-2', total: -1 } });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const [m] = await orders.receive({ waitMs: 1000 });
    show(`attempt ${m?.attempt}`, m?.body);
    await orders.nack(m!, { error: new Error('total must be positive') });
  }
  const [dead] = (await dlq.peek()).messages;
  show('in the DLQ, with why', dead?.headers);
  show('orders stats', await orders.stats());

  say('The bug is fixed: redrive the DLQ back to its source queue');
  show('redrive', await dlq.redrive());
  const [again] = await orders.receive({ waitMs: 1000 });
  show('delivered again, attempt', again?.attempt);
  await orders.ack(again!);

  say('A poison message goes straight to the DLQ, without retries');
  await orders.send({ body: 'not even JSON' });
  const [poison] = await orders.receive({ waitMs: 1000 });
  await orders.deadLetter(poison!, { error: 'unparseable body' });
  show('DLQ stats', await dlq.stats());

  say('FIFO: strict order per group key, one message of a group in flight, dedup within 5 minutes');
  const payments = await broker.createQueue('payments.fifo', { fifo: true });
  await payments.sendBatch([
    { key: 'account-1', body: 'debit 10', dedupId: 'tx-1' },
    { key: 'account-1', body: 'credit 5', dedupId: 'tx-2' },
    { key: 'account-2', body: 'debit 7', dedupId: 'tx-3' },
  ]);
  show('resend tx-1', await payments.send({ key: 'account-1', body: 'debit 10', dedupId: 'tx-1' }));
  const batch = await payments.receive({ max: 10 });
  show('first receive (one per group)', batch.map((m) => `${m.key}: ${String(m.body)}`));
  for (const m of batch) await payments.ack(m);
  show('next receive', (await payments.receive({ max: 10 })).map((m) => `${m.key}: ${String(m.body)}`));

  say('Topics fan out to queues in the same transaction, filtered on headers');
  const events = await broker.createTopic('order-events');
  const eu = await broker.createQueue('eu-orders');
  const big = await broker.createQueue('big-orders');
  await events.subscribe('eu-orders', { filter: { region: ['eu'] } });
  await events.subscribe('big-orders', { filter: { total: [{ numeric: ['>=', 100] }] } });
  show('publish eu/250', await events.publish({ body: { orderId: 'C-3' }, headers: { region: 'eu', total: '250' } }));
  show('publish us/20', await events.publish({ body: { orderId: 'D-4' }, headers: { region: 'us', total: '20' } }));
  show('eu-orders ready', (await eu.stats()).ready);
  show('big-orders ready', (await big.stats()).ready);
  say('Done. Everything above lives in one SQLite file; run `npm test` for the conformance suite.');
} finally {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
}
