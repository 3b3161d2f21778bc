import { checkBoolean, checkInt, InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import type { StatsThreadMode } from './stats-thread.js';

/**
 * `fsync` (default): every commit is fsynced before the writes in it resolve, so a resolved send
 * or ack survives power loss. (On a file the WAL is `fdatasync`ed on a background thread after the
 * commit, the same guarantee as `synchronous=FULL` without blocking the event loop on the disk.) `relaxed`: `synchronous=NORMAL` in WAL mode; commits are not fsynced, so
 * a resolved send survives a crash of the process but may be lost if the machine loses power.
 */
export type Durability = 'fsync' | 'relaxed';

export interface SqliteEngineOptions {
  /** Database file, or ':memory:' (the default) for a throwaway in-process broker. */
  path?: string;
  durability?: Durability;
  clock?: Clock;
  /**
   * How long a write waits for another process holding the file's write lock. Default 5000 ms.
   * (Opening a file that needs upgrading to this version's schema waits up to 60 s.)
   */
  busyTimeoutMs?: number;
  /** How often expired messages and dedup ids are swept. Default 1000 ms. */
  sweepIntervalMs?: number;
  /**
   * How often, while consumers are waiting, the file is checked for commits by other processes
   * (a cheap `PRAGMA data_version`). Sends in this process wake waiters at once; this bounds the
   * wake-up delay for sends from another process. Default 50 ms, in real time (not the injected
   * clock: other processes commit in real time).
   */
  watchIntervalMs?: number;
  /** Most operations committed in one transaction. Default 2000. */
  maxOpsPerCommit?: number;
  /**
   * Group commit: how many more turns of the event loop a commit may wait for operations while
   * they keep arriving (a turn that brings none commits at once). Default 2; 0 commits on the
   * first turn. Under network load (the server) it gathers several requests per commit.
   */
  commitWaitTurns?: number;
  /**
   * Checkpoint the WAL on a worker thread (see checkpointer.ts) instead of inside the commit that
   * fills it. Default true; applies to files in WAL mode.
   */
  backgroundCheckpoints?: boolean;
  /**
   * Where `stats` counts a queue (it reads every row the queue stores, ~70 ms per 200,000 messages
   * of 1 KiB): `auto` (default) on the event loop until one count there has taken 10 ms, then on a
   * worker thread with its own read connection (stats-thread.ts); `always` on the thread; `never`
   * on the event loop. The thread applies to files in WAL mode.
   */
  statsThread?: StatsThreadMode;
}

export interface ResolvedSqliteOptions {
  path: string;
  durability: Durability;
  clock: Clock;
  busyTimeoutMs: number;
  sweepIntervalMs: number;
  watchIntervalMs: number;
  maxOpsPerCommit: number;
  commitWaitTurns: number;
  backgroundCheckpoints: boolean;
  statsThread: StatsThreadMode;
}

export function resolveSqliteOptions(options: SqliteEngineOptions = {}): ResolvedSqliteOptions {
  const path = options.path ?? ':memory:';
  if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'must be a file path or ":memory:"');
  const durability = options.durability ?? 'fsync';
  if (durability !== 'fsync' && durability !== 'relaxed') throw new InvalidArgumentError('durability', 'must be "fsync" or "relaxed"');
  return {
    path,
    durability,
    clock: options.clock ?? systemClock,
    busyTimeoutMs: checkInt('busyTimeoutMs', options.busyTimeoutMs ?? 5000, { min: 0, max: 600_000 }),
    sweepIntervalMs: checkInt('sweepIntervalMs', options.sweepIntervalMs ?? 1000, { min: 10, max: 3_600_000 }),
    watchIntervalMs: checkInt('watchIntervalMs', options.watchIntervalMs ?? 50, { min: 5, max: 60_000 }),
    maxOpsPerCommit: checkInt('maxOpsPerCommit', options.maxOpsPerCommit ?? 2000, { min: 1, max: 100_000 }),
    commitWaitTurns: checkInt('commitWaitTurns', options.commitWaitTurns ?? 2, { min: 0, max: 100 }),
    backgroundCheckpoints: checkBoolean('backgroundCheckpoints', options.backgroundCheckpoints ?? true),
    statsThread: checkStatsThread(options.statsThread ?? 'auto'),
  };
}

function checkStatsThread(mode: unknown): StatsThreadMode {
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') throw new InvalidArgumentError('statsThread', 'must be "auto", "always" or "never"');
  return mode;
}
