/**
 * Correlation and causation across asynchronous work. While a message is handled inside a
 * scope, every message sent through `propagate()` (the typed senders, request/reply, the outbox)
 * carries the same `correlation-id` and names the handled message as its `causation-id`, and the
 * W3C trace context travels on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Header, type Headers } from '@switchyard/core';

export interface CorrelationScope {
  correlationId: string;
  /** The id of the message being handled: the cause of what is sent now. */
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

/** Runs `fn` inside a scope (an HTTP request handler starts one for the messages it sends). */
export function withCorrelation<T>(scope: CorrelationScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentCorrelation(): CorrelationScope | undefined {
  return storage.getStore();
}

/** The scope a message's handler runs in: its correlation id (or its own id), caused by it. */
export function scopeOf(message: { id: string; headers: Headers }): CorrelationScope {
  const scope: CorrelationScope = { correlationId: message.headers[Header.correlationId] ?? message.id, causationId: message.id };
  const { traceparent, tracestate } = message.headers;
  if (traceparent !== undefined) scope.traceparent = traceparent;
  if (tracestate !== undefined) scope.tracestate = tracestate;
  return scope;
}

/**
 * Headers for an outgoing message: `headers` plus the current scope's correlation id, causation
 * id and trace context, where `headers` does not set them already. Outside any scope it returns
 * a copy of `headers`.
 */
export function propagate(headers: Headers = {}, scope: CorrelationScope | undefined = currentCorrelation()): Headers {
  const out: Headers = { ...headers };
  if (!scope) return out;
  out[Header.correlationId] ??= scope.correlationId;
  if (scope.causationId !== undefined) out[Header.causationId] ??= scope.causationId;
  if (scope.traceparent !== undefined) out[Header.traceparent] ??= scope.traceparent;
  if (scope.tracestate !== undefined) out[Header.tracestate] ??= scope.tracestate;
  return out;
}
