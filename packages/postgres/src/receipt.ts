import { InvalidReceiptError, randomBytesFromPool } from '@switchyard/core';

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

export function newLeaseToken(): number {
  return randomBytesFromPool(6).readUIntBE(0, 6);
}

export function formatReceipt(r: Receipt): string {
  return `${r.queueId.toString(36)}.${r.seq.toString(36)}.${r.lease.toString(36)}`;
}

export function parseReceipt(text: string): Receipt {
  const m = shape.exec(text);
  const [queueId, seq, lease] = (m ? m.slice(1) : []).map((s) => Number.parseInt(s, 36));
  if (!Number.isSafeInteger(queueId) || !Number.isSafeInteger(seq) || !Number.isSafeInteger(lease)) {
    throw new InvalidReceiptError('it is not a receipt this engine issued');
  }
  return { queueId: queueId as number, seq: seq as number, lease: lease as number };
}
