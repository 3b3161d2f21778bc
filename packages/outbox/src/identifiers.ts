import { InvalidArgumentError } from '@switchyard/core';

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/**
 * A table name the outbox and inbox may put into SQL text (names cannot be bound as
 * parameters): a letter or `_`, then up to 50 letters, digits or `_`.
 */
export function checkIdentifier(field: string, value: unknown): string {
  if (typeof value !== 'string' || !identifier.test(value)) {
    throw new InvalidArgumentError(field, `must be a letter or "_" followed by up to 50 letters, digits or "_", got ${JSON.stringify(value)}`);
  }
  return value;
}
