import { decodeBody, type Broker, type OutgoingMessage } from '@switchyard/core';
import type { ClaimedRow } from './store.js';

export interface DeliveryResult {
  /** Rows the broker accepted and that were marked sent. */
  sent: number;
  /** Rows the broker refused, with the error, by destination. */
  failed: { rows: ClaimedRow[]; error: unknown }[];
  /** Rows not tried: after a failure in their destination, or too close to the lease's end. */
  untried: ClaimedRow[];
  /**
   * Rows the broker accepted but that could not be marked sent. They stay claimed until their
   * lease ends and are then delivered again: a duplicate, never a loss.
   */
  unmarked: { rows: ClaimedRow[]; error: unknown }[];
}

export interface DeliverySettings {
  broker: Broker;
  /** Most messages per send. */
  chunk: number;
  /** No send starts at or after this time (the claim must still hold when the broker accepts). */
  stopAt: number;
  now(): number;
  /** Marks a chunk sent; called right after the broker accepted it. */
  markSent(rows: ClaimedRow[]): Promise<void>;
}

/**
 * Sends claimed rows: grouped by destination (each destination's rows in sequence order, the
 * destinations side by side), in chunks sent atomically with `sendBatch`/`publishBatch`. Within a
 * destination, a failed chunk stops everything after it, so a key's later rows never overtake an
 * earlier one that failed. Each chunk is marked sent only after the broker accepted it.
 */
export async function deliver(rows: readonly ClaimedRow[], s: DeliverySettings): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, failed: [], untried: [], unmarked: [] };
  const groups = new Map<string, ClaimedRow[]>();
  for (const row of rows) {
    const k = `${row.destKind}:${row.destination}`;
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      for (let i = 0; i < group.length; i += s.chunk) {
        if (s.now() >= s.stopAt) {
          result.untried.push(...group.slice(i));
          return;
        }
        const chunk = group.slice(i, i + s.chunk);
        try {
          await send(s.broker, chunk, s.now());
        } catch (error) {
          result.failed.push({ rows: chunk, error });
          result.untried.push(...group.slice(i + s.chunk));
          return;
        }
        try {
          await s.markSent(chunk);
        } catch (error) {
          result.unmarked.push({ rows: chunk, error });
          result.untried.push(...group.slice(i + s.chunk));
          return;
        }
        result.sent += chunk.length;
      }
    }),
  );
  return result;
}

function send(broker: Broker, chunk: ClaimedRow[], now: number): Promise<unknown> {
  const first = chunk[0] as ClaimedRow;
  const messages = chunk.map((row) => toOutgoing(row, now));
  return first.destKind === 'queue' ? broker.queue(first.destination).sendBatch(messages) : broker.topic(first.destination).publishBatch(messages);
}

/** A stored row as a message again; a delay counts from when the row was written. */
export function toOutgoing(row: ClaimedRow, now: number): OutgoingMessage {
  const m: OutgoingMessage = {
    id: row.id,
    type: row.type,
    body: decodeBody(row.bodyKind, row.body),
    headers: JSON.parse(row.headers) as Record<string, string>,
    timestamp: row.timestamp,
  };
  if (row.key !== null) m.key = row.key;
  if (row.dedupId !== null) m.dedupId = row.dedupId;
  if (row.delayMs !== null) m.delayMs = Math.max(0, row.delayMs - Math.max(0, now - row.createdAt));
  return m;
}
