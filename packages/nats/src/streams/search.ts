import type { Bounds, PartitionLog } from './partition-log.js';
import type { LogEntry } from './record.js';

/**
 * The first offset in `[b.start, limit)`, in log order, whose own value (`own`) is at least
 * `threshold`; null when there is none below `limit`. A binary search on the running maximum
 * (`running`), which never decreases along the log: the first record whose running maximum
 * reaches the threshold is the first whose own value does. Only at the log's start can the
 * running maximum include records retention removed; that one case is confirmed by a scan.
 */
export async function firstAtLeast(
  log: PartitionLog,
  id: string,
  partition: number,
  b: Bounds,
  limit: number,
  running: (e: LogEntry) => number,
  own: (e: LogEntry) => number,
  threshold: number,
): Promise<number | null> {
  let lo = b.start;
  let hi = Math.min(limit, b.end);
  const end = hi;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const e = await log.entry(id, partition, mid);
    // A record removed meanwhile lies before the new start, where the answer cannot be.
    if (e && running(e) >= threshold) hi = mid;
    else lo = mid + 1;
  }
  for (let offset = lo; offset < end; offset++) {
    const e = await log.entry(id, partition, offset);
    if (e && own(e) >= threshold) return offset;
  }
  return null;
}
