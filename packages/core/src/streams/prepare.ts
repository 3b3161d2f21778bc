import { decodeEncoded, type EncodedBody } from '../body.js';
import type { Clock } from '../clock.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { StreamRecord } from '../engine/stream-config.js';
import type { StreamEngine, StreamEntry } from '../engine/stream-engine.js';
import type { Body, OutgoingMessage } from '../message.js';
import { prepareEntries, type MessageLimits } from '../prepare.js';

/** What a producer hands to `append`. Only `body` is required; `key` picks the partition. */
export interface StreamMessage<B extends Body = Body> extends Omit<OutgoingMessage<B>, 'delayMs' | 'dedupId'> {
  /** Append to this partition instead of letting the key (or round robin, without a key) choose. */
  partition?: number;
}

/** Validates a batch of records (as messages are validated) and turns them into stream entries. */
export function prepareStreamEntries(messages: readonly StreamMessage[], limits: MessageLimits, clock: Clock): StreamEntry[] {
  const entries = prepareEntries(messages as readonly OutgoingMessage[], limits, clock);
  return entries.map((e, i) => {
    if (e.delayMs !== undefined) throw new InvalidArgumentError(`messages[${i}].delayMs`, 'a stream record cannot be delayed');
    if (e.dedupId !== undefined) throw new InvalidArgumentError(`messages[${i}].dedupId`, 'streams do not deduplicate');
    const { delayMs: _d, dedupId: _i, ...entry } = e;
    const partition = (messages[i] as StreamMessage).partition;
    if (partition === undefined) return entry;
    if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new InvalidArgumentError(`messages[${i}].partition`, 'must be an integer');
    return { ...entry, partition };
  });
}

/** The engine's stream operations, or UnsupportedError with the engine's reason. */
export function streamsOf(engine: Engine): StreamEngine {
  const capability = engine.features.streams;
  if (!capability.supported) throw new UnsupportedError('streams', capability.reason);
  if (!engine.streams) throw new UnsupportedError('streams', `engine ${engine.name} flags streams as supported but has no stream operations`);
  return engine.streams;
}

export function checkInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidArgumentError(field, `must be an integer, got ${JSON.stringify(value)}`);
  return value;
}

/** Decodes the body in place: engines hand over fresh objects, so nothing else sees them. */
export function decodeRecord<B>(r: StreamRecord<EncodedBody>): StreamRecord<B> {
  const out = r as unknown as StreamRecord<B>;
  out.body = decodeEncoded(r.body) as B;
  return out;
}
