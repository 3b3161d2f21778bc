import { ErrorCode, SwitchyardError } from '@switchyard/core';

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
