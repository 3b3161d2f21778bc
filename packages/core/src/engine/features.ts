/**
 * Capability flags. An engine that cannot provide a behaviour says so here, with the reason,
 * and the operation throws `UnsupportedError`; the conformance suite skips those cases and
 * prints the reason. A capability is never a silent no-op.
 */
export type Capability = { readonly supported: true } | { readonly supported: false; readonly reason: string };

export const Feature = {
  /** FIFO queues: group order, one leased message per group, deduplication. */
  fifo: 'fifo',
  /** Per-message and per-queue delays, and nack with a delay. */
  delays: 'delays',
  /** Dead-letter queues with maxReceives and explicit dead-lettering. */
  deadLetter: 'deadLetter',
  /** Moving dead-lettered messages back, optionally rate limited. */
  redrive: 'redrive',
  /** Browsing without leasing. */
  peek: 'peek',
  /** Topics with queue subscriptions and header filter policies. */
  topics: 'topics',
  /** Retention expiry with a count of expired messages. */
  retention: 'retention',
  /** Partitioned logs with offsets, consumer groups, retention and atomic offset + state commits. */
  streams: 'streams',
  /** The engine reads time from the injected clock, so tests can drive visibility and delays. */
  injectedClock: 'injectedClock',
  /** stats() counts messages dead-lettered from a queue (`deadLettered`), ever. */
  deadLetterCounts: 'deadLetterCounts',
  /**
   * Streams read time from the injected clock — appendedAt, retention by age, member session
   * expiry and long-poll deadlines — so tests can drive them. (An engine whose queues run on a
   * server's clock may still keep stream time itself.)
   */
  streamClock: 'streamClock',
  /**
   * A stream commit may carry outputs — appends to streams and publishes to topics — stored in
   * the same atomic step as its offsets and state. Without it, commit() with outputs throws
   * UnsupportedError (offsets and state alone still commit).
   */
  streamTransactions: 'streamTransactions',
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

export type Features = { readonly [K in Feature]: Capability };

export const supported: Capability = Object.freeze({ supported: true });

export function unsupported(reason: string): Capability {
  return Object.freeze({ supported: false, reason });
}
