import { propagate } from '@switchyard/consumer';
import {
  checkQueueName,
  checkTopicName,
  InvalidArgumentError,
  prepareEntries,
  type Clock,
  type MessageLimits,
  type OutgoingMessage,
} from '@switchyard/core';

/** An outgoing message and where the relay delivers it: a queue or a topic of the broker. */
export type OutboxMessage = OutgoingMessage & ({ queue: string; topic?: undefined } | { topic: string; queue?: undefined });

export type DestinationKind = 'queue' | 'topic';

/** A message as the outbox stores it: validated and encoded, with its id fixed at write time. */
export interface OutboxRecord {
  id: string;
  destKind: DestinationKind;
  destination: string;
  type: string;
  bodyKind: number;
  body: Uint8Array;
  /** JSON of the headers. */
  headers: string;
  key: string | null;
  dedupId: string | null;
  delayMs: number | null;
  timestamp: number;
  createdAt: number;
}

/**
 * Validates a message for the outbox exactly as a send would be validated (so the relay can
 * never be handed something the broker refuses for its shape), assigns its id now (so every
 * redelivery of it carries the same id, which is what the inbox deduplicates on), adds the
 * current correlation headers, and defaults `dedupId` to the id (a FIFO queue then drops a
 * redelivery within its deduplication window).
 */
export function prepareRecord(message: OutboxMessage, limits: MessageLimits, clock: Clock): OutboxRecord {
  if (typeof message !== 'object' || message === null) throw new InvalidArgumentError('message', 'must be an object');
  const { queue, topic, ...outgoing } = message;
  if ((queue === undefined) === (topic === undefined)) throw new InvalidArgumentError('message', 'needs exactly one of "queue" or "topic"');
  const destKind: DestinationKind = queue !== undefined ? 'queue' : 'topic';
  const destination = queue !== undefined ? checkQueueName(queue) : checkTopicName(topic);
  const [entry] = prepareEntries([{ ...outgoing, headers: propagate(outgoing.headers) }], limits, clock);
  if (!entry) throw new InvalidArgumentError('message', 'could not be prepared');
  return {
    id: entry.id,
    destKind,
    destination,
    type: entry.type,
    bodyKind: entry.body.kind,
    body: entry.body.data,
    headers: JSON.stringify(entry.headers),
    key: entry.key ?? null,
    dedupId: entry.dedupId ?? entry.id,
    delayMs: entry.delayMs ?? null,
    timestamp: entry.timestamp,
    createdAt: clock.now(),
  };
}
