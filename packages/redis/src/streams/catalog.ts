import { StreamNotFoundError, type ResolvedStreamOptions, type StreamInfo } from '@switchyard/core';
import type { Connection } from '../connection.js';

/** Creating, finding, listing and deleting streams (the catalog is `P:streams`, each stream's settings `P:s:S`). */

export async function createStream(conn: Connection, name: string, o: ResolvedStreamOptions): Promise<StreamInfo> {
  const [partitions, maxAge, maxBytes, createdAt] = (await conn.scripts.run('syStreamCreate', name, o.partitions, o.retention.maxAgeMs ?? '', o.retention.maxBytes ?? '')) as string[];
  return toStreamInfo({ name, partitions, maxAge, maxBytes, createdAt });
}

export async function deleteStream(conn: Connection, name: string): Promise<boolean> {
  return (await conn.scripts.run('syStreamDelete', name)) === 1;
}

export async function getStream(conn: Connection, name: string): Promise<StreamInfo> {
  const h = await conn.redis.hgetall(`${conn.prefix}:s:${name}`);
  if (!h.name) throw new StreamNotFoundError(name);
  return toStreamInfo(h);
}

export async function listStreams(conn: Connection, prefix: string | undefined): Promise<StreamInfo[]> {
  const names = (await conn.redis.hkeys(`${conn.prefix}:streams`)).filter((n) => prefix === undefined || n.startsWith(prefix)).sort();
  const rows = await Promise.all(names.map((n) => conn.redis.hgetall(`${conn.prefix}:s:${n}`)));
  // A stream deleted between the two reads is left out.
  return rows.filter((h) => h.name).map(toStreamInfo);
}

function toStreamInfo(h: Record<string, string | undefined>): StreamInfo {
  const limit = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  return {
    name: h.name as string,
    partitions: Number(h.partitions),
    retention: { maxAgeMs: limit(h.maxAge), maxBytes: limit(h.maxBytes) },
    createdAt: Number(h.createdAt),
  };
}
