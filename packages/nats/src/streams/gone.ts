import { StreamNotFoundError } from '@switchyard/core';
import { findStream, type StreamDoc } from './catalog.js';
import type { StreamContext } from './context.js';

/**
 * Awaits `work`; if it fails because the stream was deleted meanwhile (its partition streams
 * are gone, so JetStream answers "stream not found" or nobody answers at all), fails with
 * StreamNotFoundError instead, and otherwise with the original error.
 */
export async function unlessGone<T>(ctx: StreamContext, doc: StreamDoc, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const now = await findStream(ctx, doc.name).catch(() => doc);
    if (now?.id !== doc.id) throw new StreamNotFoundError(doc.name);
    throw err;
  }
}
