import { randomFillSync } from 'node:crypto';

const poolSize = 16 * 1024;
const pool = Buffer.allocUnsafe(poolSize);
let offset = poolSize;

/**
 * `n` cryptographically random bytes, cut from a pool refilled 16 KiB at a time: one syscall
 * per thousand ids or lease tokens instead of one each. The returned view is only valid until
 * the next call.
 */
export function randomBytesFromPool(n: number): Buffer {
  if (offset + n > poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  const view = pool.subarray(offset, offset + n);
  offset += n;
  return view;
}

/** One random byte from the same pool, without the view `randomBytesFromPool` allocates. */
export function randomByte(): number {
  if (offset >= poolSize) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] as number;
}
