import { AbortedError, ClosedError, type Clock, type EncodedBody, type ReadRequest, type StreamEngine, type StreamRecord, type Waiters } from '@switchyard/core';
import type { Connection } from '../connection.js';
import * as catalog from './catalog.js';
import { commit } from './commit.js';
import * as groups from './groups.js';
import { offsetForTimestamp, offsetsAndCounters, readNow } from './read.js';
import { appendBlock } from './records.js';
import { sweep, trim } from './retention.js';

/** What the streams need from the engine that hosts them. */
export interface StreamHost {
  conn: Connection;
  clock: Clock;
  waiters: Waiters;
  /** Runs a call, counted for `settled()`; rejects with ClosedError once the engine is closed. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  isClosed(): boolean;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
}

export interface RedisStreams extends StreamEngine {
  /** Applies retention to every stream, at most `chunk` records per partition; the engine's timer calls it. */
  sweep(chunk: number): Promise<void>;
}

/** The waiter key of a stream's readers: queue names cannot hold a `:`, so it never meets a queue's. */
export function streamWaiter(stream: string): string {
  return `stream:${stream}`;
}

/**
 * The stream operations of the Redis engine: every change is one Lua script, so it is atomic;
 * reads are scripts too, so each sees one consistent state. Waiting readers are woken by this
 * engine's own appends directly and by other engines' through the wake-up channel.
 */
export function createStreamEngine(host: StreamHost): RedisStreams {
  const { conn, run } = host;
  const wake = (streams: readonly string[], queues: readonly string[] = []) => {
    for (const s of streams) host.waiters.notify(streamWaiter(s));
    for (const q of queues) host.waiters.notify(q);
  };
  return {
    createStream: (name, o) => run(() => catalog.createStream(conn, name, o)),
    deleteStream: (name) =>
      run(async () => {
        const deleted = await catalog.deleteStream(conn, name);
        if (deleted) wake([name]);
        return deleted;
      }),
    getStream: (name) => run(() => catalog.getStream(conn, name)),
    listStreams: (prefix) => run(() => catalog.listStreams(conn, prefix)),
    append: (stream, entries) =>
      run(async () => {
        const out = (await conn.scripts.run('syStreamAppend', ...appendBlock(stream, entries))) as [number, number][];
        if (out.length > 0) wake([stream]);
        return out.map(([partition, offset], i) => ({ id: entries[i]?.id as string, partition, offset }));
      }),
    read: (stream, request, signal) => read(host, stream, request, signal),
    offsets: (stream) => run(async () => (await offsetsAndCounters(conn, stream)).partitions),
    offsetForTimestamp: (stream, partition, timestamp) => run(() => offsetForTimestamp(conn, stream, partition, timestamp)),
    trim: (stream) => run(() => trim(conn, stream)),
    stats: (stream) => run(() => offsetsAndCounters(conn, stream)),
    joinGroup: (stream, group, request) => run(() => groups.joinGroup(conn, stream, group, request)),
    heartbeat: (stream, group, memberId) => run(() => groups.heartbeat(conn, stream, group, memberId)),
    leaveGroup: (stream, group, memberId) => run(() => groups.leaveGroup(conn, stream, group, memberId)),
    describeGroup: (stream, group) => run(() => groups.describeGroup(conn, stream, group)),
    committedOffsets: (stream, group) => run(() => groups.committedOffsets(conn, stream, group)),
    loadState: (stream, group, partition) => run(() => groups.loadState(conn, stream, group, partition)),
    commit: (stream, group, request) =>
      run(async () => {
        const outputs = await commit(conn, stream, group, request);
        wake(outputs.streams, outputs.queues);
      }),
    sweep: (chunk) => run(() => sweep(conn, chunk)),
  };
}

/** Long poll: reads, and while there is nothing, waits for an append to the stream (never polls). */
async function read(host: StreamHost, stream: string, request: ReadRequest, signal?: AbortSignal): Promise<StreamRecord<EncodedBody>[]> {
  if (host.isClosed()) throw new ClosedError();
  const deadline = host.clock.now() + request.waitMs;
  const waiter = streamWaiter(stream);
  const wake = signal ? AbortSignal.any([signal, host.closing]) : host.closing;
  for (;;) {
    // Closing ends a poll that is already waiting with an empty result.
    if (host.isClosed()) return [];
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    // Read before looking, so an append between the script and the wait is not missed.
    const version = host.waiters.version(waiter);
    const records = await host.run(() => readNow(host.conn, stream, request));
    if (records.length > 0 || host.isClosed()) return records;
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    if (host.clock.now() >= deadline) return [];
    await host.waiters.wait(waiter, version, deadline, wake);
  }
}
