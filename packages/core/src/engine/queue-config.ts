/** Queue settings. Defaults follow Amazon SQS unless noted. */
export interface QueueOptions {
  /** Strict order per group key, one leased message per group, deduplication. Default false. */
  fifo?: boolean;
  /** How long a receive leases a message. Default 30 s; 0 to 12 h. */
  visibilityTimeoutMs?: number;
  /** Delay applied to every message sent without its own. Default 0; 0 to 15 min. */
  delayMs?: number;
  /** How long an unconsumed message is kept. Default 4 days; 60 s to 14 days. */
  retentionMs?: number;
  /** Where messages go after `maxReceives` leases (1 to 1000). The DLQ must exist and be of the same kind. */
  deadLetter?: DeadLetterPolicy | null;
  /** FIFO only: how long a deduplication id is remembered. Default 5 min; 1 s to 24 h. */
  dedupWindowMs?: number;
}

export interface DeadLetterPolicy {
  queue: string;
  maxReceives: number;
}

/** A queue as stored: every setting resolved. */
export interface QueueInfo {
  name: string;
  fifo: boolean;
  visibilityTimeoutMs: number;
  delayMs: number;
  retentionMs: number;
  deadLetter: DeadLetterPolicy | null;
  dedupWindowMs: number;
  createdAt: number;
}

export const queueDefaults = {
  visibilityTimeoutMs: 30_000,
  delayMs: 0,
  retentionMs: 4 * 24 * 3600_000,
  dedupWindowMs: 5 * 60_000,
} as const;

export const queueLimits = {
  visibilityTimeoutMs: { min: 0, max: 12 * 3600_000 },
  delayMs: { min: 0, max: 15 * 60_000 },
  retentionMs: { min: 60_000, max: 14 * 24 * 3600_000 },
  maxReceives: { min: 1, max: 1000 },
  dedupWindowMs: { min: 1000, max: 24 * 3600_000 },
  /** A nack may hide a message as long as a lease may last. */
  nackDelayMs: { min: 0, max: 12 * 3600_000 },
  waitMs: { min: 0, max: 60_000 },
} as const;

export interface QueueStats {
  /** Deliverable now. */
  ready: number;
  /** Leased to a consumer and not yet settled. */
  leased: number;
  /** Waiting out a send delay or a nack delay. */
  delayed: number;
  /** FIFO only: waiting behind an earlier message of the same group. */
  blocked: number;
  /** Age of the oldest message in the queue, ms (0 when empty). */
  oldestAgeMs: number;
  /** Messages moved from this queue to its dead-letter queue, ever. */
  deadLettered: number;
  /** Messages dropped because they outlived the retention period, ever. */
  expired: number;
}
