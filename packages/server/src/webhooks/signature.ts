import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. The server sends `x-switchyard-timestamp: <epoch ms>` and
 * `x-switchyard-signature: sha256=<hex>` where the hex is HMAC-SHA256(secret, "<timestamp>.<body>").
 * Receivers recompute it and should refuse timestamps far from their clock (replays).
 */
export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a received signature in constant time; for receivers (and tests). */
export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
