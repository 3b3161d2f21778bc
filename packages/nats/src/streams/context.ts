import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClosedError, type Clock } from '@switchyard/core';
import type { Docs } from './docs.js';
import type { StreamNames } from './names.js';
import type { PartitionLog } from './partition-log.js';

/** What the stream operations share. */
export interface StreamContext {
  nc: NatsConnection;
  jsm: JetStreamManager;
  names: StreamNames;
  docs: Docs;
  log: PartitionLog;
  /** The engine clock: appendedAt, retention by age, session expiry and long-poll deadlines. */
  clock: Clock;
  /** Aborted when the engine closes. */
  closing: AbortSignal;
}

export function checkOpen(ctx: StreamContext): void {
  if (ctx.closing.aborted) throw new ClosedError();
}
