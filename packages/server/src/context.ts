import type { Broker } from '@switchyard/core';
import type { FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * What a principal may do to a queue, topic or stream (`send`, `receive`, `manage`), or to a
 * registry service (`register`: register, renew, deregister, set health; `discover`: read, watch).
 */
export type Action = 'send' | 'receive' | 'manage' | 'register' | 'discover';

/** Everything a route needs; routes hold no state of their own. */
export interface ServerContext {
  broker: Broker;
  metrics: Metrics;
  /** Aborts when the server starts shutting down: long polls end early with no messages. */
  shutdown: AbortSignal;
  /** Throws HttpError 401/403 unless the request may do `action` on the named resource. */
  authorize(request: FastifyRequest, action: Action, resource: string): void;
  /** The server's own base URL, for links and SQS queue URLs. */
  baseUrl(request: FastifyRequest): string;
}
