import { randomBytes } from 'node:crypto';

const poolSize = 6 * 1024;
let pool = randomBytes(poolSize);
let offset = 0;

/** A random 48-bit lease token (fits SQLite's integer and a JS number exactly). */
export function newLeaseToken(): number {
  if (offset + 6 > poolSize) {
    pool = randomBytes(poolSize);
    offset = 0;
  }
  const token = pool.readUIntBE(offset, 6);
  offset += 6;
  return token;
}
