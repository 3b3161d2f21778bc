/**
 * The message envelope. It maps onto CloudEvents: `id` → id, `type` → type, `timestamp` → time,
 * `headers` → extension attributes, `body` → data.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A body is JSON, text or bytes. Strings travel as raw UTF-8 text (so SQS bodies and MD5s stay
 * exact), `Uint8Array` as bytes, anything else as JSON.
 */
export type Body = JsonValue | Uint8Array;

export type Headers = Record<string, string>;

/** Well-known header names. */
export const Header = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  replyTo: 'reply-to',
  contentType: 'content-type',
  schema: 'schema',
  /** Set when a message is dead-lettered: why (`max-receives` or `poison`). */
  deadLetterReason: 'dead-letter-reason',
  /** Set when a message is dead-lettered: the queue it came from. */
  deadLetterSource: 'dead-letter-source',
  /** Set when a message is dead-lettered: how many times it had been received. */
  deadLetterAttempts: 'dead-letter-attempts',
  /** Set when a message is dead-lettered: the last error recorded for it, if any. */
  deadLetterError: 'dead-letter-error',
  /** Set when a message is dead-lettered: when, in epoch milliseconds. */
  deadLetterAt: 'dead-letter-at',
} as const;

/** The dead-letter headers, removed again when a message is redriven. */
export const deadLetterHeaders: readonly string[] = [
  Header.deadLetterReason,
  Header.deadLetterSource,
  Header.deadLetterAttempts,
  Header.deadLetterError,
  Header.deadLetterAt,
];

/** What a producer hands to `send` or `publish`. Only `body` is required. */
export interface OutgoingMessage<B extends Body = Body> {
  /** Unique, time-ordered; assigned (UUIDv7) when absent. */
  id?: string;
  type?: string;
  body: B;
  headers?: Headers;
  /** Group key: strict order within a key on FIFO queues; partition key on streams. */
  key?: string;
  /** FIFO deduplication id; a SHA-256 of the body when absent. */
  dedupId?: string;
  /** Hide the message for this long after it is stored (default: the queue's delay). */
  delayMs?: number;
  /** Producer's timestamp, epoch ms; the send time when absent. */
  timestamp?: number;
}

/** A stored message as a reader sees it. */
export interface Message<B = Body> {
  id: string;
  type: string;
  body: B;
  headers: Headers;
  key?: string;
  dedupId?: string;
  timestamp: number;
}

/** A message leased to a consumer. Settle it with the receipt (ack, nack, extend, dead-letter). */
export interface Delivery<B = Body> extends Message<B> {
  queue: string;
  receipt: string;
  /** 1 on the first delivery, counting every lease. */
  attempt: number;
  /** When it entered this queue, epoch ms. */
  enqueuedAt: number;
  /** When it was first leased (the first attempt), epoch ms; absent where the engine does not record it. */
  firstReceivedAt?: number;
  /** See `EnqueueResult.sequence`. */
  sequence?: string;
}

export type MessageState = 'ready' | 'leased' | 'delayed' | 'blocked';

/** A message seen through `peek`: no lease, no receipt. */
export interface PeekedMessage<B = Body> extends Message<B> {
  queue: string;
  state: MessageState;
  receives: number;
  enqueuedAt: number;
  /** When it is (or becomes again) deliverable; absent while blocked behind its FIFO group. */
  visibleAt?: number;
}
