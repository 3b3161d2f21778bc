/**
 * The errors discovery raises on purpose. Each is a SwitchyardError with a stable `code`; the
 * ones a retry may act on carry `retryAfterMs` (a hint) or `retryable: false`, duck-typed as the
 * resilience package's RetryPolicy reads them.
 */
import { ErrorCode, SwitchyardError } from '@switchyard/core';

/**
 * The lease behind a registration no longer holds its instance: it `expired` (or was revoked),
 * or another registration of the same id `replaced` it. After an expiry, register again; after a
 * replacement, someone else owns the id now.
 */
export class LeaseExpiredError extends SwitchyardError {
  readonly retryable = false;
  constructor(
    readonly leaseId: string,
    readonly reason: 'expired' | 'replaced' = 'expired',
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.LeaseExpired,
      reason === 'expired' ? `lease ${leaseId} has expired or was revoked` : `lease ${leaseId} no longer holds its instance: a newer registration replaced it`,
      options,
    );
  }
}

export class InstanceNotFoundError extends SwitchyardError {
  constructor(readonly service: string, readonly id: string) {
    super(ErrorCode.InstanceNotFound, `service ${JSON.stringify(service)} has no instance ${JSON.stringify(id)}`);
  }
}

/**
 * No instance of the service may be called now. `known` is how many instances the registry
 * lists; `retryAfterMs`, when set, is when the first ejected one will be readmitted.
 */
export class NoHealthyInstanceError extends SwitchyardError {
  constructor(
    readonly service: string,
    readonly known: number,
    readonly retryAfterMs?: number,
  ) {
    super(
      ErrorCode.NoHealthyInstance,
      known === 0
        ? `service ${JSON.stringify(service)} has no registered instance`
        : `service ${JSON.stringify(service)} has no healthy instance (${known} registered, none passing or admitted)`,
    );
  }
}

/**
 * An HTTP response whose status the client retries (429, 502, 503, 504 by default) and that was
 * still the answer when the retries ran out. `retryAfterMs` is the server's Retry-After.
 */
export class HttpStatusError extends SwitchyardError {
  constructor(
    readonly status: number,
    readonly instanceId: string,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly retryAfterMs?: number,
  ) {
    super(ErrorCode.HttpStatus, `HTTP ${status} from instance ${JSON.stringify(instanceId)}`);
  }
}

/**
 * A gRPC call ended with a non-OK status. `status` is the gRPC status number, `retryAfterMs`
 * the server's `grpc-retry-pushback-ms`; `retryable` is false when the server's pushback said
 * not to retry. The grpc-js error is the `cause`.
 */
export class GrpcStatusError extends SwitchyardError {
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    readonly details: string,
    readonly instanceId: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(ErrorCode.GrpcStatus, `gRPC status ${status} (${details}) from instance ${JSON.stringify(instanceId)}`, options);
    this.retryable = options?.retryable ?? true;
  }
}

/**
 * A Switchyard server refused a registry request at the HTTP layer (401 UNAUTHORIZED, 403
 * FORBIDDEN, 413, 503 while shutting down, …): nothing changed. `serverCode` is the server's
 * code, `status` the HTTP status. (Refusals with a registry code, such as LEASE_EXPIRED or
 * INVALID_NAME, arrive as those errors instead.)
 */
export class RegistryRequestError extends SwitchyardError {
  constructor(
    readonly status: number,
    readonly serverCode: string,
    message: string,
  ) {
    super(ErrorCode.HttpStatus, `HTTP ${status} ${serverCode}: ${message}`);
  }
}

/**
 * A registry request's outcome is unknown: the connection failed or broke, the answer did not
 * come in time, or the server failed (5xx). Deliberately not a SwitchyardError ("refused, nothing
 * changed"): a registration that ends like this may have been stored.
 */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${message}`, options);
  }
}
