import { ErrorCode, SwitchyardError } from '@switchyard/core';
import type { ExpectedVersion } from './event-store.js';

/**
 * An outbox write (or inbox record) was attempted outside the caller's database transaction.
 * Writing it on its own would break the one guarantee the outbox exists for: the message is
 * stored if and only if the business change commits.
 */
export class NotInTransactionError extends SwitchyardError {
  constructor(what: string) {
    super(ErrorCode.NotInTransaction, `${what} must run inside the database transaction that makes the business change`);
  }
}

/**
 * An append found the stream at another version than `expected` (`WRONG_EXPECTED_VERSION`);
 * nothing was written. `actual` is the version found, or undefined when a concurrent append
 * was only detected by the database's unique constraint — on PostgreSQL that error has aborted
 * the caller's transaction, which must be rolled back before retrying.
 */
export class WrongExpectedVersionError extends SwitchyardError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | undefined,
    options?: { cause?: unknown },
  ) {
    const want = expected === 'no-stream' || expected === 0 ? 'no stream' : expected === 'any' ? 'any version' : `version ${expected}`;
    const found = actual === undefined ? 'was appended to concurrently' : actual === 0 ? 'does not exist' : `is at version ${actual}`;
    super(ErrorCode.WrongExpectedVersion, `stream ${JSON.stringify(stream)} ${found}; the append expected ${want}`, options);
  }
}

/**
 * A saga write found it at another version than `expected` (`WRONG_EXPECTED_VERSION`; 0 means
 * "must not exist yet", so a second `create` gets this too); nothing was written. `actual` is 0
 * when the saga does not exist.
 */
export class SagaVersionConflictError extends SwitchyardError {
  constructor(
    readonly sagaType: string,
    readonly sagaId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    const found = actual === 0 ? 'does not exist' : `is at version ${actual}`;
    const want = expected === 0 ? 'it not to exist' : `version ${expected}`;
    super(ErrorCode.WrongExpectedVersion, `saga ${JSON.stringify(sagaType)} ${JSON.stringify(sagaId)} ${found}; the write expected ${want}`);
  }
}
