/**
 * The worked example, end to end on real SQLite files: the order service places three orders
 * (one of them rolled back), its relay delivers `order.created` to the broker, billing invoices
 * each order once — and still once when the broker hands it a copy of a message again.
 *
 *   node --conditions=switchyard-source --import tsx examples/order-service/main.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultLogger, type Logger, type Middleware } from '@switchyard/consumer';
import { SqliteOutbox } from '@switchyard/outbox';
import { openBroker } from '@switchyard/sqlite';
import Database from 'better-sqlite3';
import { createBillingSchema, startBilling } from './billing.js';
import { createOrdersSchema, placeOrder } from './orders.js';

export interface ExampleResult {
  orders: string[];
  invoices: { order_id: string; amount_cents: number }[];
  /** Deliveries billing settled, the redelivered copy included. */
  deliveries: number;
}

export async function runExample(dir: string, logger: Logger = defaultLogger('order-service-example')): Promise<ExampleResult> {
  await using broker = await openBroker({ path: join(dir, 'broker.db') });
  await broker.createQueue('orders-dlq');
  await broker.createQueue('orders', { deadLetter: { queue: 'orders-dlq', maxReceives: 10 } });

  // Each service owns its database.
  const ordersDb = new Database(join(dir, 'orders.db'));
  const billingDb = new Database(join(dir, 'billing.db'));
  for (const db of [ordersDb, billingDb]) db.pragma('journal_mode = WAL');
  createOrdersSchema(ordersDb);
  createBillingSchema(billingDb);

  const outbox = new SqliteOutbox(ordersDb);
  await using _relay = outbox.relay(broker, { logger });

  // Counts settled deliveries, so this demo knows when billing is done without sleeping.
  let deliveries = 0;
  let onDelivery = () => undefined as void;
  const counted: Middleware = (next) => async (m, ctx) => {
    await next(m, ctx);
    deliveries++;
    onDelivery();
  };
  const until = (n: number) => new Promise<void>((resolve) => (onDelivery = () => void (deliveries >= n && resolve())));
  const { consumer, inbox } = startBilling(broker, billingDb, { logger, middleware: [counted] });

  const billed = until(2);
  const first = { orderId: 'A-1001', customerId: 'c-1', totalCents: 4200 };
  const firstId = placeOrder(ordersDb, outbox, first);
  try {
    ordersDb.transaction(() => {
      placeOrder(ordersDb, outbox, { orderId: 'A-1002', customerId: 'c-2', totalCents: 990 });
      throw new Error('card declined'); // rolls back the order and its message together
    })();
  } catch {
    // the order was not placed, and no message was sent
  }
  placeOrder(ordersDb, outbox, { orderId: 'A-1003', customerId: 'c-1', totalCents: 1500 });
  await billed;

  // A copy of an already-delivered message arrives again, as after a relay crash: same id.
  const again = until(3);
  await broker.queue('orders').send({ id: firstId, type: 'order.created', body: first });
  await again;

  await consumer.close();
  await inbox.close();
  const result: ExampleResult = {
    orders: (ordersDb.prepare('SELECT id FROM orders ORDER BY id').all() as { id: string }[]).map((r) => r.id),
    invoices: billingDb.prepare('SELECT order_id, amount_cents FROM invoices ORDER BY order_id').all() as ExampleResult['invoices'],
    deliveries,
  };
  ordersDb.close();
  billingDb.close();
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-example-'));
  try {
    const r = await runExample(dir);
    console.log(`orders:   ${r.orders.join(', ')}`);
    console.log(`invoices: ${r.invoices.map((i) => `${i.order_id} (${i.amount_cents / 100} EUR)`).join(', ')}`);
    console.log(`deliveries handled: ${r.deliveries} (one of them a duplicate, acked without a second invoice)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
