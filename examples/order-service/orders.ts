/**
 * The order service: writes an order and publishes `order.created` through the outbox, in one
 * transaction on its own database. If the transaction rolls back, no message exists; if it
 * commits, the relay will deliver the message, even if this process dies right after.
 */
import type { SqliteOutbox } from '@switchyard/outbox';
import type { Database } from 'better-sqlite3';
import { shop } from './catalog.js';

export interface Order {
  orderId: string;
  customerId: string;
  totalCents: number;
}

export function createOrdersSchema(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, total_cents INTEGER NOT NULL)');
}

/** Returns the id of the `order.created` message (fixed now; every delivery of it carries it). */
export function placeOrder(db: Database, outbox: SqliteOutbox, order: Order): string {
  return db.transaction(() => {
    db.prepare('INSERT INTO orders (id, customer_id, total_cents) VALUES (?, ?, ?)').run(order.orderId, order.customerId, order.totalCents);
    // Keyed by customer: one customer's orders reach consumers in the order they were placed.
    return outbox.add({ queue: 'orders', ...shop.message('order.created', order, { key: order.customerId }) });
  })();
}
