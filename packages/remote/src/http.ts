import { AbortedError, isSwitchyardError } from '@switchyard/core';
import { Pool } from 'undici';
import { errorFromResponse, RemoteUnavailableError, type ErrorDetail } from './errors.js';
import type { FenceLog } from './fence-log.js';
import type { ResolvedRemoteOptions } from './options.js';

export interface CallOptions {
  /** A JSON value to send. */
  body?: unknown;
  /** JSON text already serialised (used instead of `body`). */
  json?: string;
  signal?: AbortSignal;
  /**
   * The server may hold this request this long before it answers (a long poll), ms; Infinity for
   * no limit (a rate-limited redrive). Such requests get connections of their own.
   */
  holdMs?: number;
  /** Test clock: the operation's fence, when the caller took it earlier (else one is taken here). */
  fence?: string;
}

/** The header the server's test clock reads fences from. */
const fenceHeader = 'switchyard-fence';

/**
 * JSON over HTTP with undici: one keep-alive pool for ordinary requests, and one without a
 * connection limit for long polls, which each hold a connection while they wait and must not
 * queue ordinary requests behind them. Failed responses become typed errors (errors.ts).
 */
export class HttpTransport {
  readonly #o: ResolvedRemoteOptions;
  readonly #fences: FenceLog | undefined;
  readonly #pool: Pool;
  readonly #polls: Pool;
  readonly #prefix: string;
  readonly #where: string;

  constructor(options: ResolvedRemoteOptions, fences: FenceLog | undefined) {
    this.#o = options;
    this.#fences = fences;
    const connect = options.tls ? { ...options.tls } : undefined;
    this.#pool = new Pool(options.url.origin, { connections: options.connections, ...(connect ? { connect } : {}) });
    this.#polls = new Pool(options.url.origin, { connections: null, ...(connect ? { connect } : {}) });
    this.#prefix = options.url.pathname === '/' ? '' : options.url.pathname;
    this.#where = `${options.url.origin}${this.#prefix}`;
  }

  get url(): string {
    return this.#where;
  }

  get requestTimeoutMs(): number {
    return this.#o.requestTimeoutMs;
  }

  get pollGraceMs(): number {
    return this.#o.pollGraceMs;
  }

  /** Headers every request (and the push channel's upgrade) carries. */
  authHeaders(): Record<string, string> {
    return this.#o.token ? { authorization: `Bearer ${this.#o.token}` } : {};
  }

  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authHeaders() };
    const body = options.json ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const own = options.fence === undefined ? this.#fences?.begin() : undefined;
    const fence = options.fence ?? own;
    if (fence) headers[fenceHeader] = fence;
    const { holdMs } = options;
    const held = holdMs !== undefined;
    // 0 disables the timeout: a server on a test clock may hold a poll for any length of real time.
    const timeout = !held ? this.#o.requestTimeoutMs : this.#fences || !Number.isFinite(holdMs) ? 0 : holdMs + this.#o.pollGraceMs;
    const { signal } = options;
    try {
      const res = await (held ? this.#polls : this.#pool).request({
        method: method as 'GET',
        path: this.#prefix + path,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal ? { signal } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        if (res.statusCode < 400) throw new RemoteUnavailableError(this.#where, `${method} ${path} answered ${res.statusCode} with a body that is not JSON`);
      }
      if (res.statusCode >= 400) throw errorFromResponse(this.#where, res.statusCode, (parsed as { error?: ErrorDetail } | undefined)?.error);
      return parsed as T;
    } catch (err) {
      if (isSwitchyardError(err) || err instanceof RemoteUnavailableError) throw err;
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      throw new RemoteUnavailableError(this.#where, `${method} ${path} failed: ${describe(err)}`, { cause: err });
    } finally {
      this.#fences?.end(own);
    }
  }

  /** Waits for requests in flight, then closes every connection. */
  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#polls.destroy()]);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}
