import { randomBytesFromPool } from '@switchyard/core';

/** A random 48-bit lease token (fits SQLite's integer and a JS number exactly). */
export function newLeaseToken(): number {
  return randomBytesFromPool(6).readUIntBE(0, 6);
}
