import { scopeOf, withCorrelation } from '../correlation-scope.js';
import type { Middleware } from '../handler.js';

/**
 * Runs the rest of the pipeline inside the message's correlation scope, so that messages sent
 * while handling it (through `propagate()`, the typed senders, request/reply or the outbox)
 * carry its `correlation-id` (its own id when it had none), name it as their `causation-id`, and
 * pass its `traceparent`/`tracestate` on.
 */
export function correlation(): Middleware {
  return (next) => (message, ctx) => withCorrelation(scopeOf(message), () => next(message, ctx));
}
