/**
 * One HTTP request's attempts: an object made once per request; each attempt costs a Cancel (its
 * deadline and abort signal in one, see client/cancel.ts), one promise and undici's callback.
 */
import type { Clock } from '@switchyard/core';
import { TimeoutError, neverAborted } from '@switchyard/resilience';
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../balance/endpoint.js';
import type { CallOutcome } from '../balance/outlier.js';
import { HttpStatusError } from '../errors.js';
import type { Instance } from '../instance.js';
import type { Attempt } from './call.js';
import { Cancel } from './cancel.js';
import type { DeadlineList } from '@switchyard/resilience';
import { parseRetryAfter } from './retry-after.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';

export interface HttpRequest {
  method?: HttpMethod;
  /** Path and query, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  /** A body must be replayable for retries, so no streams. */
  body?: string | Uint8Array;
  /** Sticky key for consistent hashing. */
  key?: string;
  /** Overrides the method's idempotency for retries. */
  idempotent?: boolean;
  /** Overrides the per-attempt deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Read it (`.json()`, `.text()`) or `.dump()` it, or the connection stays busy. */
  readonly body: Dispatcher.ResponseData['body'];
  /** The instance that answered. */
  readonly instance: Instance;
}

/** What every request of one client shares. */
export interface HttpTransport {
  readonly dispatcher: Dispatcher;
  /** `http://` or `https://`. */
  readonly scheme: string;
  readonly retryOn: ReadonlySet<number>;
  readonly isFailureStatus: (status: number) => boolean;
  readonly clock: Clock;
}

export class HttpAttempt implements Attempt<HttpResponse> {
  constructor(
    private readonly t: HttpTransport,
    private readonly method: HttpMethod,
    private readonly req: HttpRequest,
    private readonly deadlines: DeadlineList,
  ) {}

  /**
   * One attempt. Its deadline runs until the response headers arrive (reading the body is
   * bounded by undici's bodyTimeout); the caller's signal aborts it until then too. undici's
   * callback form, not its promise: one promise per attempt instead of two, and one hop fewer.
   */
  run(ep: Endpoint, signal: AbortSignal): Promise<HttpResponse> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<HttpResponse>((resolve, reject) => {
      const { t, req, deadlines } = this;
      const cancel = new Cancel(deadlines.ms);
      deadlines.add(cancel);
      const onCallerAbort = signal === neverAborted ? undefined : () => cancel.abort(signal.reason);
      if (onCallerAbort) signal.addEventListener('abort', onCallerAbort, { once: true });
      const opts = { origin: (ep.origin ??= t.scheme + ep.authority), path: req.path, method: this.method, headers: req.headers, body: req.body, signal: cancel };
      t.dispatcher.request(opts, (err, res) => {
        cancel.settle();
        if (onCallerAbort) signal.removeEventListener('abort', onCallerAbort);
        if (err) {
          // undici fails with the reason given to `cancel.abort`, or with its own error first.
          reject(cancel.reason instanceof TimeoutError && err !== cancel.reason ? new TimeoutError(deadlines.ms, { cause: err }) : err);
        } else if (t.retryOn.has(res.statusCode)) {
          // Free the connection before the retry (or the caller) moves on.
          const error = new HttpStatusError(res.statusCode, ep.id, res.headers, parseRetryAfter(res.headers['retry-after'], t.clock.now()));
          res.body.dump().then(() => reject(error), reject);
        } else {
          resolve({ status: res.statusCode, headers: res.headers, body: res.body, instance: ep.instance });
        }
      });
    });
  }

  outcomeOf(res: HttpResponse): CallOutcome {
    return this.t.isFailureStatus(res.status) ? 'failure' : 'success';
  }

  outcomeOfError(err: unknown): CallOutcome {
    if (err instanceof HttpStatusError) return this.t.isFailureStatus(err.status) ? 'failure' : 'success';
    return 'failure';
  }
}
