import type { EncodedBody, Message } from '@switchyard/core';
import type { MessageRow } from './rows.js';

/** The envelope stored in a row (body still encoded; select it with `bodyColumn`). */
export function toMessage(row: MessageRow): Message<EncodedBody> {
  const m: Message<EncodedBody> = {
    id: row.id,
    type: row.type,
    body: { kind: row.body_kind as EncodedBody['kind'], data: row.body ?? Buffer.alloc(0) },
    headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
    timestamp: row.ts,
  };
  if (row.key !== null) m.key = row.key;
  if (row.dedup_id !== null) m.dedupId = row.dedup_id;
  return m;
}
