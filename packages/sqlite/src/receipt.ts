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

const shape = /^([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([0-9a-z]{1,11})$/;

export function formatReceipt(r: Receipt): string {
  return `${r.queueId.toString(36)}.${r.seq.toString(36)}.${r.lease.toString(36)}`;
}

export function parseReceipt(text: string): Receipt {
  const m = shape.exec(text);
  if (!m) throw new InvalidReceiptError('it is not a receipt this engine issued');
  const queueId = Number.parseInt(m[1] as string, 36);
  const seq = Number.parseInt(m[2] as string, 36);
  const lease = Number.parseInt(m[3] as string, 36);
  if (!Number.isSafeInteger(queueId) || !Number.isSafeInteger(seq) || !Number.isSafeInteger(lease)) {
    throw new InvalidReceiptError('it is not a receipt this engine issued');
  }
  return { queueId, seq, lease };
}
