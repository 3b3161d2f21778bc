import { QueueNotFoundError, type EncodedBody, type Message, type QueueInfo } from '@switchyard/core';
import type { Tx } from './db.js';

/** A row of `queues`, with its dead-letter queue's name joined in. */
export interface QueueRow {
  id: number;
  name: string;
  fifo: boolean;
  visibility_ms: number;
  delay_ms: number;
  retention_ms: number;
  dlq_id: number | null;
  dlq_name: string | null;
  max_receives: number | null;
  dedup_window_ms: number;
  created_at: number;
  dead_lettered: number;
  expired: number;
}

/** A row of `messages`. */
export interface MessageRow {
  seq: number;
  queue_id: number;
  id: string;
  type: string;
  body_kind: number;
  body: Buffer;
  headers: string | null;
  key: string | null;
  dedup_id: string | null;
  ts: number;
  enqueued_at: number;
  available_at: number;
  visible_at: number;
  lease: number | null;
  receives: number;
  expires_at: number;
  fifo_group: string | null;
  source_queue_id: number | null;
  last_error: string | null;
}

const queueSelect = 'SELECT q.*, d.name AS dlq_name FROM queues q LEFT JOIN queues d ON d.id = q.dlq_id';

export async function findQueue(tx: Tx, name: string): Promise<QueueRow | undefined> {
  return (await tx.query<QueueRow>(`${queueSelect} WHERE q.name = $1`, [name]))[0];
}

export async function requireQueue(tx: Tx, name: string): Promise<QueueRow> {
  const q = await findQueue(tx, name);
  if (!q) throw new QueueNotFoundError(name);
  return q;
}

export async function queueById(tx: Tx, id: number): Promise<QueueRow | undefined> {
  return (await tx.query<QueueRow>(`${queueSelect} WHERE q.id = $1`, [id]))[0];
}

export async function listQueueRows(tx: Tx): Promise<QueueRow[]> {
  return tx.query<QueueRow>(`${queueSelect} ORDER BY q.name`);
}

export function toQueueInfo(row: QueueRow): QueueInfo {
  return {
    name: row.name,
    fifo: row.fifo,
    visibilityTimeoutMs: row.visibility_ms,
    delayMs: row.delay_ms,
    retentionMs: row.retention_ms,
    deadLetter: row.dlq_name !== null && row.max_receives !== null ? { queue: row.dlq_name, maxReceives: row.max_receives } : null,
    dedupWindowMs: row.dedup_window_ms,
    createdAt: row.created_at,
  };
}

/** The envelope stored in a row. */
export function toMessage(row: MessageRow): Message<EncodedBody> {
  const m: Message<EncodedBody> = {
    id: row.id,
    type: row.type,
    body: { kind: row.body_kind as EncodedBody['kind'], data: row.body },
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
    timestamp: row.ts,
  };
  if (row.key !== null) m.key = row.key;
  if (row.dedup_id !== null) m.dedupId = row.dedup_id;
  return m;
}
