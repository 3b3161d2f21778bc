import { createHash } from 'node:crypto';
import type { EncodedBody } from './body.js';

/** The deduplication id of a FIFO message sent without one: the SHA-256 of its body, hex. */
export function contentDedupId(body: EncodedBody): string {
  return createHash('sha256').update(body.data).digest('hex');
}
