import { InvalidArgumentError } from '@switchyard/core';
import type { MessageCatalog } from '../catalog/catalog.js';
import type { Definitions } from '../catalog/definitions.js';
import type { Middleware } from '../handler.js';

export interface ValidateOptions {
  /** What to do with a type the catalog does not define: `reject` (dead-letter; default) or `pass` it on unchecked. */
  unknownTypes?: 'reject' | 'pass';
}

/**
 * Validates bodies against a message catalog before the handler sees them: older schema versions
 * are upcast, the body is replaced by the schema's output, and an invalid body (or unknown type)
 * fails with a `DoNotRetryError` carrying the `ValidationError`, so it is dead-lettered rather
 * than retried.
 */
export function validate<D extends Definitions>(catalog: MessageCatalog<D>, options: ValidateOptions = {}): Middleware {
  const unknownTypes = options.unknownTypes ?? 'reject';
  if (unknownTypes !== 'reject' && unknownTypes !== 'pass') throw new InvalidArgumentError('validate.unknownTypes', 'must be "reject" or "pass"');
  return (next) => async (message, ctx) => {
    if (unknownTypes === 'pass' && !catalog.has(message.type)) return next(message, ctx);
    const body = await catalog.decodeOrReject(message);
    return next({ ...message, body: body as typeof message.body }, ctx);
  };
}
