/**
 * An HTTP client that calls a *service*, not a host: each attempt resolves the name through the
 * registry, picks an instance with the pool's balancer, and runs under a per-attempt timeout
 * inside a retry that honours Retry-After. Instances that keep failing are ejected (see
 * OutlierDetector) and readmitted on probation.
 *
 * Retries are safe by construction: idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, or
 * `idempotent: true`) are retried after connection failures, timeouts and the `retryOn`
 * statuses; others only when the request surely never reached a server (connection refused,
 * connect timeout) or was refused with 429. No instance to call (NO_HEALTHY_INSTANCE) is not
 * retried: failing fast is the point of ejecting.
 */
import { InvalidArgumentError, isSwitchyardError, type Clock } from '@switchyard/core';
import { TimeoutError, type RetryEvent } from '@switchyard/resilience';
import { Agent, type Dispatcher } from 'undici';
import type { PoolOptions } from '../balance/pool.js';
import { HttpStatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { CallPolicies, callBalanced, isSystemClock, type RetryOptions } from './call.js';
import { ServiceDirectory } from './directory.js';
import { HttpAttempt, type HttpRequest, type HttpResponse, type HttpTransport } from './http-attempt.js';

export type { HttpMethod, HttpRequest, HttpResponse } from './http-attempt.js';

export interface HttpClientOptions extends Omit<PoolOptions, 'clock'> {
  registry: Registry;
  /** Deadline per attempt (default 10 000 ms). */
  attemptTimeoutMs?: number;
  /** `false`: never retry. Default: 3 attempts, exponential backoff 50 ms – 2 s. */
  retry?: RetryOptions | false;
  /**
   * Statuses to retry (idempotent requests; 429 for all) and, when the retries run out, to
   * reject with HttpStatusError instead of resolving (default 429, 502, 503, 504).
   */
  retryOn?: readonly number[];
  /** Statuses that count against the instance for outlier ejection (default: ≥ 500). */
  isFailureStatus?: (status: number) => boolean;
  /** Default `http`. */
  scheme?: 'http' | 'https';
  /** undici dispatcher (default: an Agent of this client's own, closed by `close()`). */
  dispatcher?: Dispatcher;
  clock?: Clock;
}

const idempotentMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** The request never reached a server: safe to retry whatever the method. */
const notSentCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** The connection broke: the request may or may not have been processed. */
const brokenCodes: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class HttpClient implements AsyncDisposable {
  readonly #directory: ServiceDirectory;
  readonly #policies: CallPolicies;
  readonly #transport: HttpTransport;
  readonly #ownsDispatcher: boolean;
  readonly #precise: boolean;
  readonly #firstAttemptOutside: boolean;

  constructor(options: HttpClientOptions) {
    if (!options?.registry) throw new InvalidArgumentError('httpClient.registry', 'is required');
    const retryOn = new Set(options.retryOn ?? [429, 502, 503, 504]);
    for (const s of retryOn) {
      if (!Number.isInteger(s) || s < 100 || s > 599) throw new InvalidArgumentError('httpClient.retryOn', `must hold HTTP statuses (100-599), got ${s}`);
    }
    const scheme = options.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') throw new InvalidArgumentError('httpClient.scheme', `must be "http" or "https", got ${String(scheme)}`);
    this.#policies = new CallPolicies(options, retryable, false);
    const clock = this.#policies.clock;
    this.#precise = isSystemClock(clock);
    this.#firstAttemptOutside = this.#policies.firstAttemptOutside;
    this.#directory = new ServiceDirectory(options.registry, { ...options, clock });
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#transport = {
      dispatcher: options.dispatcher ?? new Agent(),
      scheme: `${scheme}://`,
      retryOn,
      isFailureStatus: options.isFailureStatus ?? ((s) => s >= 500),
      clock,
    };
  }

  /** Every retry: the error that caused it and the wait before the next attempt. */
  onRetry(listener: (e: RetryEvent) => void): () => void {
    return this.#policies.retries.on(listener);
  }

  /** The service's pool (made and synced on first use): its endpoints, outlier detector, events. */
  pool(service: string) {
    return this.#directory.pool(service);
  }

  request(service: string, req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    const idempotent = req.idempotent ?? idempotentMethods.has(method);
    const policy = this.#policies.get(idempotent, req.timeoutMs);
    const attempt = new HttpAttempt(this.#transport, method, req, this.#policies.deadlines(req.timeoutMs));
    return callBalanced(this.#directory, service, policy, attempt, req.key, req.signal, this.#precise, this.#firstAttemptOutside);
  }

  async close(): Promise<void> {
    await this.#directory.close();
    if (this.#ownsDispatcher) await this.#transport.dispatcher.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Which failures a retry may follow: see the class comment. */
function retryable(err: unknown, idempotent: boolean): boolean {
  const code = errorCode(err);
  if (code !== undefined && notSentCodes.has(code)) return true;
  if (err instanceof HttpStatusError) return idempotent || err.status === 429;
  if (!idempotent) return false;
  if (err instanceof TimeoutError) return true;
  return code !== undefined && brokenCodes.has(code);
}

/** The system or undici error code, looking through one level of `cause`. */
function errorCode(err: unknown): string | undefined {
  if (isSwitchyardError(err)) return undefined;
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return code;
}
