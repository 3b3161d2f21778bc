/**
 * The billing service: turns each `order.created` into exactly one invoice. The inbox records
 * the message id in the same transaction as the invoice, so a message delivered twice (a relay
 * that crashed between sending and marking, an ack lost to a crash) is acked without billing
 * the customer again.
 */
import { Consumer, correlation, logging, poison, retry, type Logger, type Middleware } from '@switchyard/consumer';
import type { Broker } from '@switchyard/core';
import { SqliteInbox } from '@switchyard/outbox';
import type { Database } from 'better-sqlite3';
import { shop } from './catalog.js';

export function createBillingSchema(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS invoices (order_id TEXT NOT NULL, customer_id TEXT NOT NULL, amount_cents INTEGER NOT NULL)');
}

export function startBilling(broker: Broker, db: Database, options: { logger: Logger; middleware?: Middleware[] }): { consumer: Consumer; inbox: SqliteInbox } {
  const inbox = new SqliteInbox(db, { name: 'billing' });
  const insert = db.prepare('INSERT INTO invoices (order_id, customer_id, amount_cents) VALUES (?, ?, ?)');
  const consumer = new Consumer({
    broker,
    queue: 'orders',
    concurrency: 4,
    logger: options.logger,
    middleware: [correlation(), logging({ successLevel: 'info' }), poison(), retry({ maxAttempts: 5 }), ...(options.middleware ?? [])],
    handler: shop.handler({
      'order.created': inbox.handler((m) => {
        const order = m.body as { orderId: string; customerId: string; totalCents: number };
        insert.run(order.orderId, order.customerId, order.totalCents);
      }),
    }),
  });
  return { consumer, inbox };
}
