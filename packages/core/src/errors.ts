/**
 * Typed errors. Every error Switchyard raises on purpose is a `SwitchyardError` with a stable
 * `code` that callers (and the HTTP and SQS layers) can branch on; the message is for people and
 * may change. A rejected call never changes stored data.
 */

export const ErrorCode = {
  InvalidArgument: 'INVALID_ARGUMENT',
  InvalidName: 'INVALID_NAME',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  BatchTooLarge: 'BATCH_TOO_LARGE',
  QueueNotFound: 'QUEUE_NOT_FOUND',
  QueueAlreadyExists: 'QUEUE_ALREADY_EXISTS',
  QueueInUse: 'QUEUE_IN_USE',
  TopicNotFound: 'TOPIC_NOT_FOUND',
  InvalidReceipt: 'INVALID_RECEIPT',
  ReceiptExpired: 'RECEIPT_EXPIRED',
  NoDeadLetterQueue: 'NO_DEAD_LETTER_QUEUE',
  InvalidFilterPolicy: 'INVALID_FILTER_POLICY',
  Unsupported: 'UNSUPPORTED',
  Closed: 'CLOSED',
  Aborted: 'ABORTED',
  Timeout: 'TIMEOUT',
  BrokenCircuit: 'BROKEN_CIRCUIT',
  BulkheadRejected: 'BULKHEAD_REJECTED',
  RateLimited: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const brand = Symbol.for('switchyard.error');

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly [brand] = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** An option or argument failed validation; `field` names it. */
export class InvalidArgumentError extends SwitchyardError {
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidArgument, `${field}: ${message}`, options);
  }
}

export class InvalidNameError extends SwitchyardError {
  constructor(readonly kind: string, readonly value: unknown, rule: string) {
    super(ErrorCode.InvalidName, `invalid ${kind} name ${JSON.stringify(value)}: ${rule}`);
  }
}

export class MessageTooLargeError extends SwitchyardError {
  constructor(readonly size: number, readonly limit: number, readonly index = 0) {
    super(ErrorCode.MessageTooLarge, `message ${index} is ${size} bytes; the limit is ${limit} bytes`);
  }
}

export class BatchTooLargeError extends SwitchyardError {
  constructor(readonly size: number, readonly limit: number) {
    super(ErrorCode.BatchTooLarge, `batch of ${size} entries; the limit is ${limit}`);
  }
}

export class QueueNotFoundError extends SwitchyardError {
  constructor(readonly queue: string) {
    super(ErrorCode.QueueNotFound, `queue ${JSON.stringify(queue)} does not exist`);
  }
}

export class QueueAlreadyExistsError extends SwitchyardError {
  constructor(readonly queue: string, detail: string) {
    super(ErrorCode.QueueAlreadyExists, `queue ${JSON.stringify(queue)} already exists ${detail}`);
  }
}

/** The queue cannot be deleted or changed because other resources point at it. */
export class QueueInUseError extends SwitchyardError {
  constructor(readonly queue: string, detail: string) {
    super(ErrorCode.QueueInUse, `queue ${JSON.stringify(queue)} is in use: ${detail}`);
  }
}

export class TopicNotFoundError extends SwitchyardError {
  constructor(readonly topic: string) {
    super(ErrorCode.TopicNotFound, `topic ${JSON.stringify(topic)} does not exist`);
  }
}

/** The receipt is malformed or belongs to another queue. */
export class InvalidReceiptError extends SwitchyardError {
  constructor(detail: string) {
    super(ErrorCode.InvalidReceipt, `invalid receipt: ${detail}`);
  }
}

/**
 * The lease behind the receipt has ended (its visibility timeout passed, or the message was
 * leased again, dead-lettered or released). The message may be delivered again.
 */
export class ReceiptExpiredError extends SwitchyardError {
  constructor(readonly queue: string) {
    super(ErrorCode.ReceiptExpired, `the lease behind this receipt on queue ${JSON.stringify(queue)} has ended`);
  }
}

export class NoDeadLetterQueueError extends SwitchyardError {
  constructor(readonly queue: string) {
    super(ErrorCode.NoDeadLetterQueue, `queue ${JSON.stringify(queue)} has no dead-letter queue`);
  }
}

export class InvalidFilterPolicyError extends SwitchyardError {
  constructor(readonly path: string, detail: string) {
    super(ErrorCode.InvalidFilterPolicy, `invalid filter policy at ${path}: ${detail}`);
  }
}

/** The engine lacks a capability; `feature` is the capability flag. */
export class UnsupportedError extends SwitchyardError {
  constructor(readonly feature: string, reason: string) {
    super(ErrorCode.Unsupported, `${feature} is not supported: ${reason}`);
  }
}

export class ClosedError extends SwitchyardError {
  constructor(what = 'engine') {
    super(ErrorCode.Closed, `${what} is closed`);
  }
}

export class AbortedError extends SwitchyardError {
  constructor(options?: { cause?: unknown }) {
    super(ErrorCode.Aborted, 'the operation was aborted', options);
  }
}

/** True when `err` is a SwitchyardError, optionally with the given code. */
export function isSwitchyardError(err: unknown, code?: ErrorCode): err is SwitchyardError {
  // A brand rather than instanceof, so two copies of this package still recognise each other.
  const ok = typeof err === 'object' && err !== null && (err as { [brand]?: boolean })[brand] === true;
  return ok && (code === undefined || (err as SwitchyardError).code === code);
}
