import { InvalidReceiptError } from '@switchyard/core';

/**
 * A receipt names one lease: `<queue id>.<message seq>.<lease token>`, base 36. The random
 * 48-bit token changes with every lease, so a receipt from an earlier lease no longer matches.
 */
export interface Receipt {
  queueId: number;
  seq: number;
  lease: number;
}

const shape = /^[0-9a-z]{1,11}\.[0-9a-z]{1,11}\.[0-9a-z]{1,11}$/;

export function formatReceipt(r: Receipt): string {
  return receiptsOf(r.queueId, r.lease)(r.seq);
}

/**
 * The receipts of one lease, by message seq: the queue and the token are the same for every
 * message of a lease, so only the seq is formatted per message.
 */
export function receiptsOf(queueId: number, lease: number): (seq: number) => string {
  const head = `${queueId.toString(36)}.`;
  const tail = `.${lease.toString(36)}`;
  return (seq) => head + seq.toString(36) + tail;
}

export function parseReceipt(text: string): Receipt {
  if (typeof text !== 'string' || !shape.test(text)) throw notOurs();
  const a = text.indexOf('.');
  const b = text.indexOf('.', a + 1);
  const queueId = base36(text, 0, a);
  const seq = base36(text, a + 1, b);
  const lease = base36(text, b + 1, text.length);
  if (!Number.isSafeInteger(queueId) || !Number.isSafeInteger(seq) || !Number.isSafeInteger(lease)) throw notOurs();
  return { queueId, seq, lease };
}

/** The base-36 number in `text` from `from` to `to` (checked to be digits and lowercase letters). */
function base36(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    n = n * 36 + (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

function notOurs(): InvalidReceiptError {
  return new InvalidReceiptError('it is not a receipt this engine issued');
}
