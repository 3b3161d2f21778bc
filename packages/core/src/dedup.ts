import { createHash } from 'node:crypto';
import type { EncodedBody } from './body.js';

/** The deduplication id of a FIFO message sent without one: the SHA-256 of its body's bytes, hex (a string hashes as its UTF-8). */
export function contentDedupId(body: EncodedBody): string {
  return createHash('sha256').update(body.text ?? body.data).digest('hex');
}
