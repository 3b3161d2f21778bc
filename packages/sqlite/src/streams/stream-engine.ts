import { AbortedError, ClosedError, type Clock, type EncodedBody, type ReadRequest, type StreamEngine, type StreamRecord } from '@switchyard/core';
import type { Tx } from '../batcher.js';
import type { Store } from '../store.js';
import { appendEntries } from './append.js';
import * as catalog from './catalog.js';
import { commit, committedOffsets, loadState } from './commit.js';
import * as membership from './membership.js';
import { offsetForTimestamp, offsets, readNow } from './read.js';
import { trim, trimAll } from './retention.js';
import { toOffsets, toStreamInfo } from './rows.js';

/** What the streams need from the engine that hosts them. */
export interface StreamHost {
  store: Store;
  clock: Clock;
  /** Runs `fn` in a group commit (rejects with ClosedError once the engine is closed). */
  /** Runs `fn` in the next group commit; `durable: false` settles before the commit is flushed to disk. */
  run<T>(fn: (tx: Tx) => T, durable?: boolean): Promise<T>;
  isClosed(): boolean;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
  /** Called before a reader waits (starts the watch for other processes' commits). */
  beforeWait(): void;
}

export interface SqliteStreams extends StreamEngine {
  /** Applies retention to every stream; the engine calls it from its periodic sweep. */
  sweep(): Promise<void>;
}

/**
 * The stream operations of the SQLite engine. Every change is one group-committed transaction.
 * Pure reads skip the group commit: better-sqlite3 is synchronous and the batcher opens and
 * commits each transaction within one synchronous flush, so between flushes the connection sees
 * exactly what has been committed — and a reader woken by an append does not wait behind the
 * next batch's fsync. Each read runs in its own read transaction (a consistent snapshot).
 */
export function createStreamEngine(host: StreamHost): SqliteStreams {
  const { store, run } = host;
  // A deferred transaction: one consistent snapshot even while other processes commit.
  const look = <T>(fn: () => T): Promise<T> =>
    Promise.resolve().then(() => {
      if (host.isClosed()) throw new ClosedError();
      return store.db.transaction(fn)();
    });
  return {
    createStream: (name, o) => run((tx) => catalog.createStream(store, tx, name, o)),
    deleteStream: (name) => run((tx) => catalog.deleteStream(store, tx, name)),
    getStream: (name) => look(() => toStreamInfo(catalog.requireStream(store, name))),
    listStreams: (prefix) => look(() => catalog.listStreams(store, prefix)),
    append: (stream, entries) => run((tx) => appendEntries(store, tx, stream, entries)),
    read: (stream, request, signal) => read(host, look, stream, request, signal),
    offsets: (stream) => look(() => offsets(store, stream)),
    offsetForTimestamp: (stream, partition, timestamp) => look(() => offsetForTimestamp(store, stream, partition, timestamp)),
    trim: (stream) => run((tx) => trim(store, tx, stream)),
    stats: (stream) =>
      look(() => {
        const s = catalog.requireStream(store, stream);
        const partitions = catalog.partitionRows(store, s).map(toOffsets);
        return { partitions, removedByAge: s.removed_by_age, removedBySize: s.removed_by_size, removedUncommitted: s.removed_uncommitted };
      }),
    joinGroup: (stream, group, request) => run((tx) => membership.joinGroup(store, tx, stream, group, request)),
    heartbeat: (stream, group, memberId) => run((tx) => membership.heartbeat(store, tx, stream, group, memberId)),
    leaveGroup: (stream, group, memberId) => run((tx) => membership.leaveGroup(store, tx, stream, group, memberId)),
    describeGroup: (stream, group) => run((tx) => membership.describeGroup(store, tx, stream, group)),
    committedOffsets: (stream, group) => look(() => committedOffsets(store, stream, group)),
    loadState: (stream, group, partition) => look(() => loadState(store, stream, group, partition)),
    commit: (stream, group, request) => run((tx) => commit(store, tx, stream, group, request)),
    // Retention is housekeeping: a trim lost to a power cut is simply done again.
    sweep: () => run((tx) => trimAll(store, tx), false),
  };
}

/** Long poll: reads, and while there is nothing, waits for an append to the stream (never polls). */
async function read(
  host: StreamHost,
  look: <T>(fn: () => T) => Promise<T>,
  stream: string,
  request: ReadRequest,
  signal?: AbortSignal,
): Promise<StreamRecord<EncodedBody>[]> {
  if (host.isClosed()) throw new ClosedError();
  const deadline = host.clock.now() + request.waitMs;
  const wake = signal ? AbortSignal.any([signal, host.closing]) : host.closing;
  for (;;) {
    // Closing ends a poll that is already waiting with an empty result.
    if (host.isClosed()) return [];
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    const r = await look(() => readNow(host.store, stream, request));
    if (r.records.length > 0 || host.isClosed()) return r.records;
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    if (host.clock.now() >= deadline) return [];
    host.beforeWait();
    await host.store.waiters.wait(r.waiter, r.version, deadline, wake);
  }
}
