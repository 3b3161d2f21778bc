import { InvalidReceiptError, randomBytesFromPool } from '@switchyard/core';

/**
 * A receipt names one lease: `<queue id>.<message seq>.<lease token>`. The random 48-bit token
 * (base 36) changes with every lease, so a receipt from an earlier lease no longer matches.
 */
export interface Receipt {
  queueId: string;
  /** Zero-padded as the scripts store it. */
  seq: string;
  lease: string;
}

const shape = /^([1-9][0-9]{0,15})\.([1-9][0-9]{0,15})\.([0-9a-z]{1,11})$/;

export function newLeaseToken(): string {
  return randomBytesFromPool(6).readUIntBE(0, 6).toString(36);
}

export function parseReceipt(text: string): Receipt {
  const m = shape.exec(text);
  if (!m) throw new InvalidReceiptError('it is not a receipt this engine issued');
  return { queueId: m[1] as string, seq: (m[2] as string).padStart(16, '0'), lease: m[3] as string };
}
