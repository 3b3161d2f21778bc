import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import {
  PartitionOutOfRangeError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  type ResolvedStreamOptions,
  type StreamInfo,
  type TrimResult,
} from '@switchyard/core';
import { checkOpen, type StreamContext } from './context.js';
import { mapLimited, range } from './parallel.js';

/** A stream as stored in the KV bucket (key `s.<name>`): its settings and its incarnation id. */
export interface StreamDoc extends StreamInfo {
  id: string;
}

const ns = (ms: number) => ms * 1_000_000;
/** JetStream's window for `Nats-Msg-Id`: an append retried within it stores each record once. */
const duplicateWindowMs = 2 * 60_000;
/** Partition streams created or deleted at a time. */
const adminConcurrency = 16;

export async function findStream(ctx: StreamContext, name: string): Promise<StreamDoc | undefined> {
  checkOpen(ctx);
  return (await ctx.docs.read<StreamDoc>(ctx.names.streamKey(name))).value;
}

export async function requireStream(ctx: StreamContext, name: string): Promise<StreamDoc> {
  const doc = await findStream(ctx, name);
  if (!doc) throw new StreamNotFoundError(name);
  return doc;
}

export function checkPartition(doc: StreamDoc, partition: number): number {
  if (!Number.isInteger(partition) || partition < 0 || partition >= doc.partitions) throw new PartitionOutOfRangeError(doc.name, partition, doc.partitions);
  return partition;
}

export function toInfo(doc: StreamDoc): StreamInfo {
  return { name: doc.name, partitions: doc.partitions, retention: { ...doc.retention }, createdAt: doc.createdAt };
}

/**
 * Makes the partition streams first and then the KV entry that makes the stream exist, so no
 * one can append to a stream whose partitions are not there yet. When another process created
 * the same name meanwhile, its entry stands and this call removes the partitions it made.
 */
export async function createStream(ctx: StreamContext, name: string, o: ResolvedStreamOptions): Promise<StreamInfo> {
  checkOpen(ctx);
  const key = ctx.names.streamKey(name);
  const existing = await ctx.docs.read<StreamDoc>(key);
  if (existing.value) return same(existing.value, o);
  const doc: StreamDoc = { name, id: ctx.names.newId(), partitions: o.partitions, retention: { ...o.retention }, createdAt: ctx.clock.now() };
  await mapLimited(range(o.partitions), adminConcurrency, (p) =>
    ctx.jsm.streams.add({
      name: ctx.names.partition(doc.id, p),
      description: `switchyard stream ${JSON.stringify(name)}, partition ${p}`,
      subjects: [ctx.names.subject(doc.id, p)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      // Retention is the engine's (trim): age on the engine clock, and never past what live groups need.
      max_age: 0,
      duplicate_window: ns(duplicateWindowMs),
      allow_direct: true,
      num_replicas: 1,
    }),
  );
  if (await ctx.docs.write(key, doc, existing.revision)) return toInfo(doc);
  await dropPartitions(ctx, doc);
  const winner = await requireStream(ctx, name);
  return same(winner, o);
}

function same(doc: StreamDoc, o: ResolvedStreamOptions): StreamInfo {
  const equal = doc.partitions === o.partitions && doc.retention.maxAgeMs === o.retention.maxAgeMs && doc.retention.maxBytes === o.retention.maxBytes;
  if (!equal) throw new StreamAlreadyExistsError(doc.name, 'with other settings');
  return toInfo(doc);
}

/**
 * Removes the KV entry first (from then on the stream does not exist), then its partitions,
 * groups, progress and counters, and wakes readers waiting on it. If this is cut short the
 * leftovers carry the old incarnation id, so a stream created again under the name never sees them.
 */
export async function deleteStream(ctx: StreamContext, name: string): Promise<boolean> {
  checkOpen(ctx);
  const key = ctx.names.streamKey(name);
  for (;;) {
    const { value: doc, revision } = await ctx.docs.read<StreamDoc>(key);
    if (!doc) return false;
    if (!(await ctx.docs.remove(key, revision))) continue;
    await dropPartitions(ctx, doc);
    const keys = [...(await ctx.docs.keys(ctx.names.groupKeys(doc.id))), ...(await ctx.docs.keys(ctx.names.progressKeys(doc.id))), ctx.names.countersKey(doc.id)];
    await mapLimited(keys, adminConcurrency, (k) => ctx.docs.remove(k));
    for (let p = 0; p < doc.partitions; p++) ctx.nc.publish(ctx.names.appended(doc.id, p));
    return true;
  }
}

async function dropPartitions(ctx: StreamContext, doc: StreamDoc): Promise<void> {
  ctx.log.forget(doc.id, doc.partitions);
  await mapLimited(range(doc.partitions), adminConcurrency, (p) =>
    ctx.jsm.streams.delete(ctx.names.partition(doc.id, p)).catch((err: unknown) => {
      if (!isMissingStream(err)) throw err;
      return false;
    }),
  );
}

export async function listStreams(ctx: StreamContext, prefix = ''): Promise<StreamInfo[]> {
  checkOpen(ctx);
  const names = (await ctx.docs.keys('s.*')).map((k) => ctx.names.streamOfKey(k)).filter((n) => n.startsWith(prefix));
  const docs = await mapLimited(names, adminConcurrency, (n) => findStream(ctx, n));
  return docs.filter((d): d is StreamDoc => d !== undefined).map(toInfo).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What retention has removed from a stream, ever (key `n.<id>`). */
export async function counters(ctx: StreamContext, doc: StreamDoc): Promise<TrimResult> {
  return (await ctx.docs.read<TrimResult>(ctx.names.countersKey(doc.id))).value ?? { removedByAge: 0, removedBySize: 0, removedUncommitted: 0 };
}

export async function addCounters(ctx: StreamContext, doc: StreamDoc, add: TrimResult): Promise<void> {
  if (add.removedByAge + add.removedBySize === 0) return;
  await ctx.docs.mutate<TrimResult, void>(ctx.names.countersKey(doc.id), (cur) => ({
    value: {
      removedByAge: (cur?.removedByAge ?? 0) + add.removedByAge,
      removedBySize: (cur?.removedBySize ?? 0) + add.removedBySize,
      removedUncommitted: (cur?.removedUncommitted ?? 0) + add.removedUncommitted,
    },
    result: undefined,
  }));
}

/** The partition stream is gone: the Switchyard stream was deleted meanwhile. */
export function isMissingStream(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound;
}
