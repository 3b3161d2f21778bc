/**
 * The consumer's typed errors. Two of them are deliberate control flow a handler (or a
 * middleware) throws to say how the delivery must be settled:
 *   - `RetryAfterError`: "retry after N ms" — the message is nacked with that delay;
 *   - `DoNotRetryError`: "do not retry" — the message is dead-lettered now, with its cause.
 * Everything else a handler throws is an ordinary failure (nacked with the consumer's delay).
 */
import { ErrorCode, isSwitchyardError, SwitchyardError } from '@switchyard/core';

export class RetryAfterError extends SwitchyardError {
  constructor(readonly delayMs: number, options?: { cause?: unknown }) {
    super(ErrorCode.RetryAfter, `retry after ${delayMs} ms${suffix(options?.cause)}`, options);
  }
}

export class DoNotRetryError extends SwitchyardError {
  /** `reason` says why retrying is pointless; `cause` is the failure being given up on. */
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.DoNotRetry, `do not retry: ${reason}${suffix(options?.cause)}`, options);
  }
}

/** The handler ran longer than its timeout; its signal has been aborted with this error. */
export class HandlerTimeoutError extends SwitchyardError {
  constructor(readonly timeoutMs: number) {
    super(ErrorCode.Timeout, `the handler did not finish within ${timeoutMs} ms`);
  }
}

/** The lease ended while the handler ran (extension failed); the message may be delivered again. */
export class LeaseLostError extends SwitchyardError {
  constructor(readonly queue: string, options?: { cause?: unknown }) {
    super(ErrorCode.LeaseLost, `the lease on a message of queue ${JSON.stringify(queue)} was lost while it was being handled`, options);
  }
}

export interface ValidationIssue {
  message: string;
  path?: string;
}

/** A body failed its schema, or its schema version cannot be upcast to the current one. */
export class ValidationError extends SwitchyardError {
  constructor(readonly messageType: string, readonly issues: readonly ValidationIssue[]) {
    const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super(ErrorCode.ValidationFailed, `invalid ${JSON.stringify(messageType)} message: ${detail}`);
  }
}

export class UnknownMessageTypeError extends SwitchyardError {
  constructor(readonly messageType: string) {
    super(ErrorCode.UnknownMessageType, `message type ${JSON.stringify(messageType)} is not in the catalog`);
  }
}

/** A request's responder replied with an error. */
export class RequestFailedError extends SwitchyardError {
  constructor(readonly remoteMessage: string) {
    super(ErrorCode.RequestFailed, `the request failed: ${remoteMessage}`);
  }
}

/** No reply arrived within the request's timeout. */
export class RequestTimeoutError extends SwitchyardError {
  constructor(readonly timeoutMs: number) {
    super(ErrorCode.Timeout, `no reply within ${timeoutMs} ms`);
  }
}

export function isRetryAfter(err: unknown): err is RetryAfterError {
  return isSwitchyardError(err, ErrorCode.RetryAfter) && typeof (err as RetryAfterError).delayMs === 'number';
}

export function isDoNotRetry(err: unknown): err is DoNotRetryError {
  return isSwitchyardError(err, ErrorCode.DoNotRetry);
}

/** Unwraps a control-flow error to the failure it carries, for recording. */
export function causeOf(err: unknown): unknown {
  return (isRetryAfter(err) || isDoNotRetry(err)) && err.cause !== undefined ? err.cause : err;
}

function suffix(cause: unknown): string {
  if (cause === undefined) return '';
  return cause instanceof Error ? ` (${cause.message})` : ` (${String(cause)})`;
}
