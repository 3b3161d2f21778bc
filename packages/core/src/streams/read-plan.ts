import type { ReadRequest } from '../engine/stream-engine.js';
import { OffsetOutOfRangeError } from './errors.js';

/** What a read takes from one partition: `take` records from `offset` on. */
export interface ReadCursor {
  partition: number;
  offset: number;
  take: number;
}

/**
 * Plans a stream read from each partition's bounds (the engine reads them; `start` and `end` as
 * in PartitionOffsets). Every requested position is checked first, so a bad one fails the whole
 * read with OffsetOutOfRangeError; a partition named twice is read from its first position. The
 * partitions with records share `max`: each gets an equal share first, then whatever the others
 * left, so one deep backlog cannot starve the rest. Partitions with nothing to take are left out.
 */
export function planRead(stream: string, request: ReadRequest, bounds: (partition: number) => { start: number; end: number }): ReadCursor[] {
  const seen = new Set<number>();
  const cursors: (ReadCursor & { available: number })[] = [];
  for (const { partition, offset } of request.from) {
    const b = bounds(partition);
    if (offset < b.start || offset > b.end) throw new OffsetOutOfRangeError(stream, partition, offset, b.start, b.end);
    if (seen.has(partition)) continue;
    seen.add(partition);
    if (offset < b.end) cursors.push({ partition, offset, available: b.end - offset, take: 0 });
  }
  let left = request.max;
  const share = Math.max(1, Math.ceil(request.max / Math.max(1, cursors.length)));
  for (const pass of [share, request.max]) {
    for (const c of cursors) {
      const more = Math.min(pass - c.take, left, c.available - c.take);
      if (more <= 0) continue;
      c.take += more;
      left -= more;
    }
  }
  return cursors.filter((c) => c.take > 0).map(({ partition, offset, take }) => ({ partition, offset, take }));
}
