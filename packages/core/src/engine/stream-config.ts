import type { Body, Message } from '../message.js';

/** How long and how much a stream keeps (Kafka's `retention.ms` and `retention.bytes`). */
export interface StreamRetention {
  /** Records appended longer ago than this are removed. Default 7 days; `null` keeps them forever. 1 s to 365 days. */
  maxAgeMs?: number | null;
  /**
   * Per partition, as Kafka's `retention.bytes`: the oldest records are removed while a partition
   * holds more than this (body, header and key bytes). Default `null` (no limit); at least 1 KiB.
   */
  maxBytes?: number | null;
}

export interface StreamOptions {
  /** How many partitions; fixed when the stream is created. Default 1; 1 to 1024. */
  partitions?: number;
  retention?: StreamRetention;
}

/** A stream as stored: every setting resolved. */
export interface StreamInfo {
  name: string;
  partitions: number;
  retention: { maxAgeMs: number | null; maxBytes: number | null };
  createdAt: number;
}

/** Stream settings after validation, with the defaults filled in. */
export type ResolvedStreamOptions = Pick<StreamInfo, 'partitions' | 'retention'>;

export const streamDefaults = {
  partitions: 1,
  maxAgeMs: 7 * 24 * 3600_000,
  maxBytes: null,
} as const;

export const streamLimits = {
  partitions: { min: 1, max: 1024 },
  maxAgeMs: { min: 1000, max: 365 * 24 * 3600_000 },
  maxBytes: { min: 1024, max: Number.MAX_SAFE_INTEGER },
  /** A long poll on a stream waits at most as long as one on a queue. */
  waitMs: { min: 0, max: 60_000 },
} as const;

/** A record read from a stream partition. */
export interface StreamRecord<B = Body> extends Message<B> {
  stream: string;
  partition: number;
  /** Dense within the partition: the first record is 0, each append adds 1. */
  offset: number;
  /** When the engine stored it (engine clock), epoch ms. Retention by age counts from here. */
  appendedAt: number;
}

/**
 * Where a partition's log begins and ends. Offsets in `[start, end)` can be read; `end` is the
 * offset the next append will get (Kafka's high watermark); `start` moves up as retention removes
 * the oldest records.
 */
export interface PartitionOffsets {
  partition: number;
  start: number;
  end: number;
  /** Bytes held, as counted for `maxBytes`. */
  bytes: number;
}

/** What a retention pass removed. */
export interface TrimResult {
  /** Records removed because they were older than `maxAgeMs`. */
  removedByAge: number;
  /** Records removed because their partition held more than `maxBytes`. */
  removedBySize: number;
  /**
   * Of `removedBySize`, records that a live consumer group had not yet committed: the size limit
   * overrode the protection retention otherwise gives them. Zero in a healthy system.
   */
  removedUncommitted: number;
}

export interface StreamStats extends TrimResult {
  partitions: PartitionOffsets[];
}
