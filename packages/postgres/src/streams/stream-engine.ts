import { longPoll, type Clock, type EncodedBody, type ReadRequest, type StreamEngine, type StreamRecord, type Waiters } from '@switchyard/core';
import type { Tx } from '../db.js';
import { appendEntries } from './append.js';
import * as catalog from './catalog.js';
import { commit, committedOffsets, loadState } from './commit.js';
import * as membership from './membership.js';
import { offsetForTimestamp, offsets, readNow } from './read.js';
import { dueStreams, sweepStream, trim } from './retention.js';
import { streamWaiter, toOffsets, toStreamInfo } from './rows.js';

/** What the streams need from the engine that hosts them. */
export interface StreamHost {
  clock: Clock;
  waiters: Waiters;
  /**
   * Runs `fn` in a transaction (rejects with ClosedError once the engine is closed); `snapshot`
   * makes it a read-only one that sees a single snapshot throughout.
   */
  tx<T>(fn: (tx: Tx) => Promise<T>, mode?: 'write' | 'snapshot'): Promise<T>;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
}

export interface PostgresStreams extends StreamEngine {
  /** Applies retention to every stream with something due, a transaction per stream; the engine's sweep calls it. */
  sweep(): Promise<void>;
}

/**
 * The stream operations of the PostgreSQL engine. Every change is one transaction, serialised
 * where it must be by row locks (see locks.ts); every read is one snapshot transaction, so it
 * sees committed data only, and all of it from one moment. Waiting readers are woken by this
 * engine's appends directly and by other engines' through NOTIFY (`tx.announce`).
 */
export function createStreamEngine(host: StreamHost): PostgresStreams {
  const { tx } = host;
  const look = <T>(fn: (t: Tx) => Promise<T>) => tx(fn, 'snapshot');
  return {
    createStream: (name, o) => tx((t) => catalog.createStream(t, name, o)),
    deleteStream: (name) => tx((t) => catalog.deleteStream(t, name)),
    getStream: (name) => look(async (t) => toStreamInfo(await catalog.requireStream(t, name))),
    listStreams: (prefix) => look((t) => catalog.listStreams(t, prefix)),
    append: (stream, entries) => tx((t) => appendEntries(t, stream, entries)),
    read: (stream, request, signal) => read(host, stream, request, signal),
    offsets: (stream) => look((t) => offsets(t, stream)),
    offsetForTimestamp: (stream, partition, timestamp) => look((t) => offsetForTimestamp(t, stream, partition, timestamp)),
    trim: (stream) => tx((t) => trim(t, stream)),
    stats: (stream) =>
      look(async (t) => {
        const s = await catalog.requireStream(t, stream);
        const partitions = (await catalog.partitionRows(t, s)).map(toOffsets);
        return { partitions, removedByAge: s.removed_by_age, removedBySize: s.removed_by_size, removedUncommitted: s.removed_uncommitted };
      }),
    joinGroup: (stream, group, request) => tx((t) => membership.joinGroup(t, stream, group, request)),
    heartbeat: (stream, group, memberId) => tx((t) => membership.heartbeat(t, stream, group, memberId)),
    leaveGroup: (stream, group, memberId) => tx((t) => membership.leaveGroup(t, stream, group, memberId)),
    describeGroup: (stream, group) => tx((t) => membership.describeGroup(t, stream, group)),
    committedOffsets: (stream, group) => look((t) => committedOffsets(t, stream, group)),
    loadState: (stream, group, partition) => look((t) => loadState(t, stream, group, partition)),
    commit: (stream, group, request) => tx((t) => commit(t, stream, group, request)),
    sweep: async () => {
      for (const name of await look((t) => dueStreams(t))) await tx((t) => sweepStream(t, name));
    },
  };
}

/**
 * Long poll: reads, and while there is nothing, waits on the stream's waiter key until an append
 * (here, or in another process by NOTIFY) bumps it, the wait runs out, the caller aborts or the
 * engine closes. Never polls.
 */
function read(host: StreamHost, stream: string, request: ReadRequest, signal?: AbortSignal): Promise<StreamRecord<EncodedBody>[]> {
  const key = streamWaiter(stream);
  return longPoll({
    clock: host.clock,
    waiters: host.waiters,
    waitMs: request.waitMs,
    signal,
    closing: host.closing,
    look: async () => {
      // Read before looking, so an append committed between the snapshot and the wait is not missed.
      const version = host.waiters.version(key);
      const found = await host.tx((t) => readNow(t, stream, request), 'snapshot');
      return { found, key, version, nextVisibleAt: Number.POSITIVE_INFINITY };
    },
  });
}
