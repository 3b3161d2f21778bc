import type { DestinationKind } from './outbox-message.js';

/** A row a relay has claimed: everything needed to send it. */
export interface ClaimedRow {
  seq: number;
  id: string;
  destKind: DestinationKind;
  destination: string;
  type: string;
  bodyKind: number;
  body: Uint8Array;
  headers: string;
  key: string | null;
  dedupId: string | null;
  delayMs: number | null;
  timestamp: number;
  createdAt: number;
  /** Claims so far, this one included. */
  attempts: number;
}

export interface OutboxStats {
  /** Rows not yet delivered (claimed or not). */
  pending: number;
  /** Age of the oldest of them, ms (0 when none). */
  oldestAgeMs: number;
}

/**
 * The outbox table as a relay sees it, named for the state changes. SQLite and PostgreSQL
 * implement it; every method is atomic.
 */
export interface OutboxStore {
  readonly kind: string;
  /** How long sent rows are kept (0: `markSent` deletes them). */
  readonly retainSentMs: number;
  /**
   * Leases up to `max` pending rows to `owner` until `now + leaseMs`, in sequence order, each
   * counting one attempt. A row is claimable when it is due (`available_at ≤ now`), not leased by
   * anyone (or its lease ended), and no earlier pending row for the same destination and key is
   * unclaimable — so rows of one key are claimed in order, never around a row another relay
   * holds or that waits out a retry delay. Two claims never return the same row while its lease
   * lasts.
   */
  claim(owner: string, now: number, leaseMs: number, max: number): Promise<ClaimedRow[]>;
  /** Marks rows delivered (or deletes them at once when sent rows are not retained). */
  markSent(seqs: readonly number[], now: number): Promise<void>;
  /** Gives rows back (they were not delivered): due again at `availableAt`, with `error` recorded. */
  release(owner: string, seqs: readonly number[], availableAt: number, error: string | null): Promise<void>;
  stats(now: number): Promise<OutboxStats>;
  /** Deletes up to `max` rows sent before `sentBefore`; returns how many. */
  cleanup(sentBefore: number, max: number): Promise<number>;
  /** Calls `wake` whenever a commit may have added rows; resolves to a function that stops it. */
  watch(wake: () => void): Promise<() => Promise<void>>;
}
