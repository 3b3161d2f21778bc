import { bodySize, encodeBody } from './body.js';
import { newMessageId } from './message-id.js';
import type { Clock } from './clock.js';
import { BatchTooLargeError, InvalidArgumentError, MessageTooLargeError } from './errors.js';
import type { EnqueueEntry } from './engine/queue-engine.js';
import { queueLimits } from './engine/queue-config.js';
import type { OutgoingMessage } from './message.js';
import { checkHeaders, checkInt, checkString, headersSize } from './validate.js';

export interface MessageLimits {
  /** Largest body plus headers, in bytes. Default 256 KiB (as SQS). */
  maxMessageBytes: number;
  /** Most messages in one send, publish or receive. Default 1000. */
  maxBatch: number;
}

export const defaultMessageLimits: MessageLimits = { maxMessageBytes: 256 * 1024, maxBatch: 1000 };

/** Validates a batch of outgoing messages and turns them into entries an engine stores. */
export function prepareEntries(messages: readonly OutgoingMessage[], limits: MessageLimits, clock: Clock): EnqueueEntry[] {
  if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', 'must be an array');
  if (messages.length === 0) throw new InvalidArgumentError('messages', 'must hold at least one message');
  if (messages.length > limits.maxBatch) throw new BatchTooLargeError(messages.length, limits.maxBatch);
  const now = clock.now();
  return messages.map((m, i) => prepareEntry(m, i, limits, now));
}

function prepareEntry(m: OutgoingMessage, i: number, limits: MessageLimits, now: number): EnqueueEntry {
  const at = `messages[${i}]`;
  if (typeof m !== 'object' || m === null) throw new InvalidArgumentError(at, 'must be an object with a body');
  if (!('body' in m) || m.body === undefined) throw new InvalidArgumentError(`${at}.body`, 'is required');
  const body = encodeBody(m.body, `${at}.body`);
  const headers = checkHeaders(`${at}.headers`, m.headers);
  const size = bodySize(body) + headersSize(headers);
  if (size > limits.maxMessageBytes) throw new MessageTooLargeError(size, limits.maxMessageBytes, i);
  const entry: EnqueueEntry = {
    id: m.id === undefined ? newMessageId(now) : checkString(`${at}.id`, m.id, 128),
    type: m.type === undefined ? 'message' : checkString(`${at}.type`, m.type, 256),
    body,
    headers,
    timestamp: m.timestamp === undefined ? now : checkInt(`${at}.timestamp`, m.timestamp, { min: 0, max: Number.MAX_SAFE_INTEGER }),
  };
  if (m.key !== undefined) entry.key = checkString(`${at}.key`, m.key, 128);
  if (m.dedupId !== undefined) entry.dedupId = checkString(`${at}.dedupId`, m.dedupId, 128);
  if (m.delayMs !== undefined) entry.delayMs = checkInt(`${at}.delayMs`, m.delayMs, queueLimits.delayMs);
  return entry;
}

/** Validates message limits given to a broker. */
export function resolveMessageLimits(limits: Partial<MessageLimits> = {}): MessageLimits {
  return {
    maxMessageBytes: checkInt('maxMessageBytes', limits.maxMessageBytes ?? defaultMessageLimits.maxMessageBytes, { min: 1024, max: 64 * 1024 * 1024 }),
    maxBatch: checkInt('maxBatch', limits.maxBatch ?? defaultMessageLimits.maxBatch, { min: 1, max: 10_000 }),
  };
}
