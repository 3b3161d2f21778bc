import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClosedError, QueueNotFoundError, type QueueInfo } from '@switchyard/core';
import type { Inbox } from './inbox.js';
import type { LeaseTable } from './leases.js';
import type { Metadata } from './metadata.js';
import type { Names } from './names.js';
import type { Puller } from './pull.js';
import type { RecentAcks } from './recent-acks.js';

/** What the engine's parts share: the connection, the JetStream clients and local lease state. */
export interface Context {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: Names;
  meta: Metadata;
  leases: LeaseTable;
  /** The shared reply subscription for confirmed acks and nacks. */
  inbox: Inbox;
  /** Pull requests, on reply inboxes reused from one pull to the next. */
  pulls: Puller;
  /** Aborted by close(): long polls end empty, new calls are refused. */
  closing: AbortController;
  /** Per queue, stream sequences this engine nacked that the server still counts as pending acks. */
  released: Map<string, Set<number>>;
  /** Stream sequences this engine acked, so a server that forgot the ack cannot deliver them again. */
  acked: RecentAcks;
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

/** The consumer's AckWait for a visibility timeout (JetStream needs a positive one). */
export function ackWaitMs(info: QueueInfo): number {
  return Math.max(1_000, info.visibilityTimeoutMs);
}

/**
 * Sends a verb on an ack subject and waits for the server's answer (JetStream's "double ack"):
 * the consumer has applied it, so an ack that resolved is not lost with the connection and the
 * message is not delivered again (nats-server 2.9 writes consumer state to disk lazily, so a
 * server crash can still undo it).
 */
export async function settleOnServer(ctx: Context, reply: string, verb: string): Promise<void> {
  await ctx.inbox.request(reply, verb);
}
