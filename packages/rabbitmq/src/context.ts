import { ClosedError, QueueNotFoundError, type QueueInfo } from '@switchyard/core';
import type { Connection } from './connection.js';
import type { LeaseTable } from './leases.js';
import type { Management } from './management.js';
import type { Metadata } from './metadata.js';
import type { Names } from './names.js';

/** What the engine's parts share. */
export interface Context {
  conn: Connection;
  mgmt: Management;
  meta: Metadata;
  names: Names;
  leases: LeaseTable;
  /** Aborted by close(): long polls end empty, new calls are refused. */
  closing: AbortController;
  /** Long polls under way: close() lets them cancel their consumers before the connection goes. */
  polls: Set<Promise<unknown>>;
}

export function checkOpen(ctx: Context): void {
  if (ctx.closing.signal.aborted) throw new ClosedError();
}

export async function requireQueue(ctx: Context, name: string, fresh = false): Promise<QueueInfo> {
  checkOpen(ctx);
  const info = await ctx.meta.queue(name, fresh);
  if (!info) throw new QueueNotFoundError(name);
  return info;
}
