import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClosedError, type Clock, type PartitionOffsets, type StreamEngine, type StreamStats, type TimerHandle } from '@switchyard/core';
import { appendEntries } from './append.js';
import * as catalog from './catalog.js';
import { commit, loadState } from './commit.js';
import type { StreamContext } from './context.js';
import { Docs } from './docs.js';
import { unlessGone } from './gone.js';
import * as membership from './membership.js';
import { StreamNames } from './names.js';
import { mapLimited, range } from './parallel.js';
import { PartitionLog } from './partition-log.js';
import { read } from './read.js';
import { trim, trimAll } from './retention.js';
import { firstAtLeast } from './search.js';

export interface StreamEngineOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  prefix: string;
  clock: Clock;
  /** How often retention runs on its own (engine clock). */
  sweepIntervalMs: number;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
}

/**
 * The stream contract on JetStream: one stream per partition for the records, and a KV bucket
 * (`<prefix>_streams`) for stream settings, consumer groups and each group's progress per
 * partition. All time is the engine clock's. See the package README for what it does not do.
 */
export class NatsStreams implements StreamEngine {
  readonly #ctx: StreamContext;
  readonly #turns = new Map<string, number>();
  readonly #sweepMs: number;
  #timer: TimerHandle | undefined;
  #sweeping: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(o: StreamEngineOptions) {
    const names = new StreamNames(o.prefix);
    this.#ctx = {
      nc: o.nc,
      jsm: o.jsm,
      names,
      docs: new Docs(() => new Kvm(o.js).create(names.bucket, { history: 1 })),
      log: new PartitionLog(o.nc, o.js, o.jsm, names),
      clock: o.clock,
      closing: o.closing,
    };
    this.#sweepMs = o.sweepIntervalMs;
    this.#schedule();
  }

  createStream: StreamEngine['createStream'] = (name, options) => this.#run(() => catalog.createStream(this.#ctx, name, options));
  deleteStream: StreamEngine['deleteStream'] = (name) => this.#run(() => catalog.deleteStream(this.#ctx, name));
  getStream: StreamEngine['getStream'] = (name) => this.#run(async () => catalog.toInfo(await catalog.requireStream(this.#ctx, name)));
  listStreams: StreamEngine['listStreams'] = (prefix) => this.#run(() => catalog.listStreams(this.#ctx, prefix));
  append: StreamEngine['append'] = (stream, entries) => this.#run(() => appendEntries(this.#ctx, this.#turns, stream, entries));
  read: StreamEngine['read'] = (stream, request, signal) => this.#run(() => read(this.#ctx, stream, request, signal));
  trim: StreamEngine['trim'] = (stream) => this.#run(() => trim(this.#ctx, stream));
  joinGroup: StreamEngine['joinGroup'] = (stream, group, request) => this.#run(() => membership.joinGroup(this.#ctx, stream, group, request));
  heartbeat: StreamEngine['heartbeat'] = (stream, group, memberId) => this.#run(() => membership.heartbeat(this.#ctx, stream, group, memberId));
  leaveGroup: StreamEngine['leaveGroup'] = (stream, group, memberId) => this.#run(() => membership.leaveGroup(this.#ctx, stream, group, memberId));
  describeGroup: StreamEngine['describeGroup'] = (stream, group) => this.#run(() => membership.describeGroup(this.#ctx, stream, group));
  committedOffsets: StreamEngine['committedOffsets'] = (stream, group) => this.#run(() => membership.committedOffsets(this.#ctx, stream, group));
  loadState: StreamEngine['loadState'] = (stream, group, partition) => this.#run(() => loadState(this.#ctx, stream, group, partition));
  commit: StreamEngine['commit'] = (stream, group, request) => this.#run(() => commit(this.#ctx, stream, group, request));
  offsets: StreamEngine['offsets'] = (stream) => this.#run(() => offsets(this.#ctx, stream));
  offsetForTimestamp: StreamEngine['offsetForTimestamp'] = (stream, partition, timestamp) => this.#run(() => offsetForTimestamp(this.#ctx, stream, partition, timestamp));

  async stats(stream: string): Promise<StreamStats> {
    return this.#run(async () => {
      const doc = await catalog.requireStream(this.#ctx, stream);
      const [partitions, counters] = await Promise.all([offsets(this.#ctx, stream), catalog.counters(this.#ctx, doc)]);
      return { partitions, ...counters };
    });
  }

  /** Resolves when no retention sweep is running (for tests that drive the clock). */
  async settled(): Promise<void> {
    while (this.#sweeping) await this.#sweeping;
  }

  /**
   * Called once the engine is closing (new calls are refused): stops the sweep and waits for the
   * calls already accepted — long polls end empty at once, writes finish — so the connection is
   * drained only after them.
   */
  async close(): Promise<void> {
    this.#timer?.cancel();
    while (this.#inFlight.size > 0 || this.#sweeping) await Promise.allSettled([...this.#inFlight, this.#sweeping]);
  }

  #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#ctx.closing.aborted) return Promise.reject(new ClosedError());
    const p = fn();
    this.#inFlight.add(p);
    void p.then(
      () => this.#inFlight.delete(p),
      () => this.#inFlight.delete(p),
    );
    return p;
  }

  #schedule(): void {
    if (this.#ctx.closing.aborted) return;
    this.#timer = this.#ctx.clock.setTimer(() => this.#sweep(), this.#sweepMs);
    this.#timer.unref?.();
  }

  /**
   * Applies retention to every stream; one sweep at a time, errors left to the next one. An
   * engine that has not used streams does not sweep (nor create the bucket to find out).
   */
  #sweep(): void {
    if (this.#ctx.docs.opened) {
      this.#sweeping ??= trimAll(this.#ctx)
        .catch(() => undefined)
        .finally(() => {
          this.#sweeping = undefined;
        });
    }
    this.#schedule();
  }
}

async function offsets(ctx: StreamContext, stream: string): Promise<PartitionOffsets[]> {
  const doc = await catalog.requireStream(ctx, stream);
  return unlessGone(
    ctx,
    doc,
    mapLimited(range(doc.partitions), 64, async (partition) => {
      for (;;) {
        const b = await ctx.log.bounds(doc.id, partition);
        const bytes = await ctx.log.bytes(doc.id, partition, b);
        // null: retention moved the start between the two looks.
        if (bytes !== null) return { partition, ...b, bytes };
      }
    }),
  );
}

async function offsetForTimestamp(ctx: StreamContext, stream: string, partition: number, timestamp: number): Promise<number | null> {
  const doc = await catalog.requireStream(ctx, stream);
  catalog.checkPartition(doc, partition);
  const b = await unlessGone(ctx, doc, ctx.log.bounds(doc.id, partition));
  return firstAtLeast(ctx.log, doc.id, partition, b, b.end, (e) => e.maxTimestamp, (e) => e.timestamp, timestamp);
}
