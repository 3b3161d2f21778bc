/**
 * The gRPC counterpart of HttpClient: unary calls to a service name, balanced over its
 * instances (one grpc-js channel per instance, closed when the instance leaves), each attempt
 * with a deadline (sent to the server as `grpc-timeout`, and enforced here on the injected clock),
 * retried when the call is idempotent and the status is in `retryOn`, honouring the server's
 * `grpc-retry-pushback-ms` (a negative or unreadable value means "do not retry").
 */
import { InvalidArgumentError, type Clock } from '@switchyard/core';
import { TimeoutError, type RetryEvent } from '@switchyard/resilience';
import { Client, Metadata, credentials as grpcCredentials, status, type ChannelCredentials, type ChannelOptions, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import type { Endpoint } from '../balance/endpoint.js';
import type { CallOutcome } from '../balance/outlier.js';
import type { PoolOptions } from '../balance/pool.js';
import { GrpcStatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { CallPolicies, callBalanced, isSystemClock, type Attempt, type RetryOptions } from './call.js';
import { ServiceDirectory } from './directory.js';

export interface GrpcClientOptions extends Omit<PoolOptions, 'clock'> {
  registry: Registry;
  /** Default: insecure (plaintext). */
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** Deadline per attempt (default 10 000 ms). */
  deadlineMs?: number;
  /** `false`: never retry. Default: 3 attempts, exponential backoff 50 ms – 2 s. */
  retry?: RetryOptions | false;
  /** Statuses retried for idempotent calls (default UNAVAILABLE); deadlines are retried too. */
  retryOn?: readonly status[];
  /** Statuses that count against the instance (default UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, DATA_LOSS). */
  failureStatuses?: readonly status[];
  /** Whether calls are idempotent unless a call says otherwise (default false: not retried). */
  idempotent?: boolean;
  clock?: Clock;
}

/** What a call needs of a method: grpc-js service definitions (generated or built) fit. */
export type UnaryMethod<Req, Res> = Pick<MethodDefinition<Req, Res>, 'path' | 'requestSerialize' | 'responseDeserialize'>;

export interface GrpcCallOptions {
  metadata?: Metadata;
  /** Sticky key for consistent hashing. */
  key?: string;
  idempotent?: boolean;
  /** Overrides the per-attempt deadline. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export class GrpcClient implements AsyncDisposable {
  readonly #directory: ServiceDirectory;
  readonly #policies: CallPolicies;
  readonly #transport: GrpcTransport;
  readonly #retryOn: ReadonlySet<number>;
  readonly #idempotent: boolean;
  readonly #precise: boolean;

  constructor(options: GrpcClientOptions) {
    if (!options?.registry) throw new InvalidArgumentError('grpcClient.registry', 'is required');
    this.#retryOn = new Set(options.retryOn ?? [status.UNAVAILABLE]);
    this.#idempotent = options.idempotent ?? false;
    const channels = new Map<Endpoint, Client>();
    this.#transport = {
      channels,
      credentials: options.credentials ?? grpcCredentials.createInsecure(),
      channelOptions: options.channelOptions ?? {},
      failures: new Set(options.failureStatuses ?? [status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN, status.DATA_LOSS]),
    };
    this.#policies = new CallPolicies({ ...options, attemptTimeoutMs: options.deadlineMs }, (err, idem) => this.#retryable(err, idem), true);
    this.#precise = isSystemClock(this.#policies.clock);
    this.#directory = new ServiceDirectory(options.registry, { ...options, clock: this.#policies.clock }, (pool) =>
      pool.on((e) => {
        if (e.type !== 'removed') return;
        channels.get(e.endpoint)?.close();
        channels.delete(e.endpoint);
      }),
    );
  }

  /** Every retry: the error that caused it and the wait before the next attempt. */
  onRetry(listener: (e: RetryEvent) => void): () => void {
    return this.#policies.retries.on(listener);
  }

  /** The service's pool (made and synced on first use). */
  pool(service: string) {
    return this.#directory.pool(service);
  }

  unary<Req, Res>(service: string, method: UnaryMethod<Req, Res>, request: Req, options: GrpcCallOptions = {}): Promise<Res> {
    const policy = this.#policies.get(options.idempotent ?? this.#idempotent, options.deadlineMs);
    const deadlineMs = options.deadlineMs ?? this.#policies.attemptTimeoutMs;
    const attempt = new GrpcAttempt(this.#transport, method, request, options.metadata ?? new Metadata(), deadlineMs);
    return callBalanced(this.#directory, service, policy, attempt, options.key, options.signal, this.#precise);
  }

  async close(): Promise<void> {
    await this.#directory.close();
    for (const c of this.#transport.channels.values()) c.close();
    this.#transport.channels.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #retryable(err: unknown, idempotent: boolean): boolean {
    if (!idempotent) return false;
    if (err instanceof TimeoutError) return true;
    return err instanceof GrpcStatusError && (this.#retryOn.has(err.status) || err.status === status.DEADLINE_EXCEEDED);
  }
}

interface GrpcTransport {
  readonly channels: Map<Endpoint, Client>;
  readonly credentials: ChannelCredentials;
  readonly channelOptions: ChannelOptions;
  readonly failures: ReadonlySet<number>;
}

/** One unary call's attempts (a class, not closures: see client/http-attempt.ts). */
class GrpcAttempt<Req, Res> implements Attempt<Res> {
  constructor(
    private readonly t: GrpcTransport,
    private readonly method: UnaryMethod<Req, Res>,
    private readonly request: Req,
    private readonly metadata: Metadata,
    private readonly deadlineMs: number,
  ) {}

  run(ep: Endpoint, signal: AbortSignal): Promise<Res> {
    let channel = this.t.channels.get(ep);
    if (!channel) this.t.channels.set(ep, (channel = new Client(ep.authority, this.t.credentials, this.t.channelOptions)));
    const { method } = this;
    return new Promise<Res>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      // Sent to the server as grpc-timeout; the TimeoutPolicy enforces it on the injected clock.
      const deadline = new Date(Date.now() + this.deadlineMs);
      const call = channel.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, this.request, this.metadata, { deadline }, (err, value) => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(toStatusError(err, ep.id));
        else resolve(value as Res);
      });
      const onAbort = () => call.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  outcomeOf(): CallOutcome {
    return 'success';
  }

  outcomeOfError(err: unknown): CallOutcome {
    if (err instanceof GrpcStatusError) return this.t.failures.has(err.status) ? 'failure' : 'success';
    return 'failure';
  }
}

function toStatusError(err: ServiceError, instanceId: string): GrpcStatusError {
  const pushback = err.metadata?.get('grpc-retry-pushback-ms')[0];
  let retryAfterMs: number | undefined;
  let refuse = false;
  if (pushback !== undefined) {
    const ms = /^\d+$/.test(String(pushback)) ? Number(pushback) : NaN;
    if (Number.isFinite(ms)) retryAfterMs = ms;
    else refuse = true;
  }
  return new GrpcStatusError(err.code, err.details, instanceId, retryAfterMs, { cause: err, retryable: !refuse });
}
