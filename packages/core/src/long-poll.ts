import type { Clock } from './clock.js';
import { AbortedError, ClosedError } from './errors.js';
import type { Waiters } from './waiters.js';

/** What one look at the queue found. */
export interface PollLook<K, T> {
  /** What was leased; a non-empty result ends the poll. */
  found: T[];
  /** The waiters' key to wait on (the queue's name or id). */
  key: K;
  /** The waiters' version for the key, read before looking, so a wake-up in between is not missed. */
  version: number;
  /** When something becomes deliverable by itself (a delay or a lease ending); Infinity if nothing will. */
  nextVisibleAt: number;
}

export interface LongPollOptions<K extends string | number, T> {
  clock: Clock;
  waiters: Waiters<K>;
  waitMs: number;
  /** The caller's signal: aborting it rejects with AbortedError. */
  signal?: AbortSignal | undefined;
  /** The engine's closing signal: a poll waiting when it aborts ends with an empty result. */
  closing: AbortSignal;
  /** Looks once (leases what is ready). */
  look(): Promise<PollLook<K, T>>;
  /** Called before each wait (e.g. to start watching other processes' commits). */
  beforeWait?(): void;
  /**
   * Waits in place of `waiters.wait` (same arguments and rules), for an engine whose senders can
   * hand messages straight to a waiting poll: what it resolves with, if anything, ends the poll.
   */
  wait?(key: K, sinceVersion: number, until: number, signal: AbortSignal): Promise<T[] | undefined>;
}

/**
 * The long-poll loop the engines share: look; if nothing was found, wait until a send wakes the
 * key's waiters, something becomes visible, the wait runs out, the caller aborts or the engine
 * closes; look again. Woken by sends, never by a sleep loop (or handed messages by them: see `wait`).
 */
export async function longPoll<K extends string | number, T>(o: LongPollOptions<K, T>): Promise<T[]> {
  if (o.closing.aborted) throw new ClosedError();
  const deadline = o.clock.now() + o.waitMs;
  // Made on the first wait: most polls find something at once and never need it.
  let waitSignal: AbortSignal | undefined;
  for (;;) {
    if (o.closing.aborted) return [];
    if (o.signal?.aborted) throw new AbortedError({ cause: o.signal.reason });
    const look = await o.look();
    if (look.found.length > 0 || o.closing.aborted) return look.found;
    if (o.signal?.aborted) throw new AbortedError({ cause: o.signal.reason });
    const now = o.clock.now();
    if (now >= deadline) return [];
    const until = Math.min(deadline, look.nextVisibleAt);
    // The clock may have passed `until` while looking: look again at once.
    if (until <= now) continue;
    o.beforeWait?.();
    waitSignal ??= anySignal(o.signal, o.closing);
    if (!o.wait) {
      await o.waiters.wait(look.key, look.version, until, waitSignal);
      continue;
    }
    // Handed over while waiting: already leased to this poll, so returned even if it was aborted.
    const handed = await o.wait(look.key, look.version, until, waitSignal);
    if (handed && handed.length > 0) return handed;
  }
}

/** A signal that aborts when either does (just `b` when there is no `a`). */
export function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
