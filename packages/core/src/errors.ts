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
  StreamNotFound: 'STREAM_NOT_FOUND',
  StreamAlreadyExists: 'STREAM_ALREADY_EXISTS',
  /** A partition number outside the stream's partitions. */
  PartitionOutOfRange: 'PARTITION_OUT_OF_RANGE',
  /** An offset outside a partition's stored records (below its start or past its end). */
  OffsetOutOfRange: 'OFFSET_OUT_OF_RANGE',
  /** A commit for a partition the member does not own (any more): rewind and rejoin. */
  NotPartitionOwner: 'NOT_PARTITION_OWNER',
  /** A heartbeat from a member the group no longer knows (it expired or left): join again. */
  UnknownMember: 'UNKNOWN_MEMBER',
  InvalidReceipt: 'INVALID_RECEIPT',
  ReceiptExpired: 'RECEIPT_EXPIRED',
  NoDeadLetterQueue: 'NO_DEAD_LETTER_QUEUE',
  InvalidFilterPolicy: 'INVALID_FILTER_POLICY',
  Unsupported: 'UNSUPPORTED',
  Closed: 'CLOSED',
  /** The store stayed locked by another process beyond its busy timeout; nothing was written. Retry. */
  Busy: 'BUSY',
  Aborted: 'ABORTED',
  Timeout: 'TIMEOUT',
  BrokenCircuit: 'BROKEN_CIRCUIT',
  BulkheadRejected: 'BULKHEAD_REJECTED',
  RateLimited: 'RATE_LIMITED',
  /** Consumer control flow: settle by making the message visible again after a given delay. */
  RetryAfter: 'RETRY_AFTER',
  /** Consumer control flow: the message cannot succeed; dead-letter it now. */
  DoNotRetry: 'DO_NOT_RETRY',
  /** A consumer lost the lease on a message it was handling (it may be delivered again). */
  LeaseLost: 'LEASE_LOST',
  /** A message body failed its schema, or its schema version cannot be read. */
  ValidationFailed: 'VALIDATION_FAILED',
  /** A message type that the catalog does not define. */
  UnknownMessageType: 'UNKNOWN_MESSAGE_TYPE',
  /** The responder of a request reported that it failed. */
  RequestFailed: 'REQUEST_FAILED',
  /** An outbox or inbox write was made outside the caller's database transaction. */
  NotInTransaction: 'NOT_IN_TRANSACTION',
  /**
   * Optimistic concurrency: an event stream or saga was not at the version the write expected
   * (someone else wrote first). Nothing was written; load it again and retry.
   */
  WrongExpectedVersion: 'WRONG_EXPECTED_VERSION',
  /** A registry lease ended (it expired or was revoked): the instance must register again. */
  LeaseExpired: 'LEASE_EXPIRED',
  /** No registered instance of that service and id (it never registered, left, or expired). */
  InstanceNotFound: 'INSTANCE_NOT_FOUND',
  /** A service has no instance a client may call now (none registered, unhealthy or ejected). */
  NoHealthyInstance: 'NO_HEALTHY_INSTANCE',
  /** An HTTP call ended with a status the client treats as an error once retries are spent. */
  HttpStatus: 'HTTP_STATUS',
  /** A gRPC call ended with a non-OK status. */
  GrpcStatus: 'GRPC_STATUS',
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

export class BusyError extends SwitchyardError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(ErrorCode.Busy, `${what} stayed locked by another process past the busy timeout; nothing was written, retry`, options);
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

/**
 * True for the errors that concern one receipt rather than the call (INVALID_RECEIPT,
 * RECEIPT_EXPIRED): a batch of settlements reports them per receipt.
 */
export function isReceiptError(err: unknown): err is SwitchyardError {
  return isSwitchyardError(err) && (err.code === ErrorCode.InvalidReceipt || err.code === ErrorCode.ReceiptExpired);
}
