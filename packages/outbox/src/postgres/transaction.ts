import { InvalidArgumentError } from '@switchyard/core';
import type { ClientBase } from 'pg';
import { NotInTransactionError } from '../errors.js';

/**
 * Refuses a write on a client that is not inside a transaction (`what` names the call): pg
 * reports the connection's transaction status ('I' = idle, outside one). A pg client too old to
 * report it is trusted.
 */
export function requireTransaction(client: ClientBase, what: string): void {
  if (typeof client?.query !== 'function') throw new InvalidArgumentError('client', 'must be a pg client (the one running your transaction)');
  const status = (client as { getTransactionStatus?: () => string | null }).getTransactionStatus?.();
  if (status === 'I') throw new NotInTransactionError(what);
}

/** True for PostgreSQL's unique_violation of the named constraint. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}
