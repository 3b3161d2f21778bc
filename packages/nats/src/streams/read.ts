import type { StoredMsg } from '@nats-io/jetstream';
import { AbortedError, planRead, type EncodedBody, type ReadRequest, type StreamRecord } from '@switchyard/core';
import { AppendWatch } from './append-watch.js';
import { checkPartition, requireStream, type StreamDoc } from './catalog.js';
import { checkOpen, type StreamContext } from './context.js';
import { unlessGone } from './gone.js';
import { range } from './parallel.js';
import { toRecord } from './record.js';

/** Long poll: reads, and while there is nothing, waits for an append to a partition it reads (never polls). */
export async function read(ctx: StreamContext, stream: string, request: ReadRequest, signal?: AbortSignal): Promise<StreamRecord<EncodedBody>[]> {
  checkOpen(ctx);
  const deadline = ctx.clock.now() + request.waitMs;
  const doc = await requireStream(ctx, stream);
  const wake = signal ? AbortSignal.any([signal, ctx.closing]) : ctx.closing;
  let watch: AppendWatch | undefined;
  try {
    for (;;) {
      // Closing ends a poll that is already waiting with an empty result.
      if (ctx.closing.aborted) return [];
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      if (request.waitMs > 0) watch ??= new AppendWatch(ctx.nc, ctx.names, doc.id, new Set(request.from.map((f) => f.partition)));
      const records = await unlessGone(ctx, doc, readNow(ctx, doc, request)).catch((err: unknown) => {
        if (ctx.closing.aborted) return [];
        throw err;
      });
      if (records.length > 0 || ctx.closing.aborted) return records;
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      if (!watch || ctx.clock.now() >= deadline) return [];
      await watch.next(ctx.clock, deadline, wake);
    }
  } finally {
    watch?.close();
  }
}

/**
 * Reads what is there now. Every position is checked first, so a bad one fails the whole read.
 * The partitions with records share `max`: each gets an equal share first, then whatever the
 * others left, so one deep backlog cannot starve the rest. Records are fetched by sequence with
 * JetStream's direct get, all at once.
 */
export async function readNow(ctx: StreamContext, doc: StreamDoc, request: ReadRequest): Promise<StreamRecord<EncodedBody>[]> {
  for (let attempt = 1; ; attempt++) {
    const wanted = [...new Set(request.from.map((f) => checkPartition(doc, f.partition)))];
    const bounds = new Map(await Promise.all(wanted.map(async (p) => [p, await ctx.log.bounds(doc.id, p)] as const)));
    const cursors = planRead(doc.name, request, (p) => bounds.get(p) as { start: number; end: number });
    const fetched = await Promise.all(cursors.map((c) => Promise.all(range(c.take).map((k) => ctx.log.message(doc.id, c.partition, c.offset + k)))));
    // Retention removed a record between the look at the bounds and the fetch: look again (the
    // position may now be before the start, which the next pass reports).
    if (fetched.some((msgs) => msgs[0] === null) && attempt < 3) continue;
    return cursors.flatMap((c, i) => untilGap(fetched[i] as (StoredMsg | null)[]).map((m) => toRecord(doc.name, c.partition, m)));
  }
}

function untilGap(msgs: (StoredMsg | null)[]): StoredMsg[] {
  const gap = msgs.indexOf(null);
  return (gap < 0 ? msgs : msgs.slice(0, gap)) as StoredMsg[];
}
