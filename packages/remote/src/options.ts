import { InvalidArgumentError, checkInt, type Clock } from '@switchyard/core';

export interface RemoteEngineOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4100`; a path prefix is kept. */
  url: string;
  /** Bearer token, `<accessKeyId>:<secretAccessKey>`, for a server with credentials. */
  token?: string;
  /** Keep-alive connections for ordinary requests (long polls get their own). Default 16. */
  connections?: number;
  /** Real-time limit on an ordinary request, ms. Default 30 s. */
  requestTimeoutMs?: number;
  /** How much longer than its `waitMs` an HTTP long poll may take before it is given up, ms. Default 15 s. */
  pollGraceMs?: number;
  /** Receive and settle over the push channel (a WebSocket) when the server offers it. Default true. */
  push?: boolean;
  /** After the push channel failed, use HTTP for this long before trying it again, ms. Default 5 s. */
  pushRetryMs?: number;
  /**
   * The clock of a broker over this engine. A ServerClock (tests, against `switchyard server
   * --test-clock`) also drives the server's time: the engine then reports `injectedClock` and
   * makes each advance wait until the server has begun the operations issued before it.
   */
  clock?: Clock;
  /** For https: a CA to trust (a self-signed server), or `rejectUnauthorized: false`. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
}

export interface ResolvedRemoteOptions {
  url: URL;
  token: string | undefined;
  connections: number;
  requestTimeoutMs: number;
  pollGraceMs: number;
  push: boolean;
  pushRetryMs: number;
  tls: { ca?: string | Buffer; rejectUnauthorized?: boolean } | undefined;
}

/** Validates options when the engine is built; messages name the option. */
export function resolveRemoteOptions(options: RemoteEngineOptions): ResolvedRemoteOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with a url');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new InvalidArgumentError('url', `must be an http(s) URL, not ${JSON.stringify(options.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('url', `must be an http(s) URL, not ${JSON.stringify(options.url)}`);
  if (url.search || url.hash) throw new InvalidArgumentError('url', 'must not have a query or a fragment');
  if (options.token !== undefined && (typeof options.token !== 'string' || !/^[^:\s]+:\S+$/.test(options.token))) {
    throw new InvalidArgumentError('token', 'must be "<accessKeyId>:<secretAccessKey>"');
  }
  if (options.push !== undefined && typeof options.push !== 'boolean') throw new InvalidArgumentError('push', 'must be a boolean');
  url.pathname = url.pathname.replace(/\/+$/, '');
  return {
    url,
    token: options.token,
    connections: checkInt('connections', options.connections ?? 16, { min: 1, max: 1024 }),
    requestTimeoutMs: checkInt('requestTimeoutMs', options.requestTimeoutMs ?? 30_000, { min: 1, max: 3_600_000 }),
    pollGraceMs: checkInt('pollGraceMs', options.pollGraceMs ?? 15_000, { min: 0, max: 3_600_000 }),
    push: options.push ?? true,
    pushRetryMs: checkInt('pushRetryMs', options.pushRetryMs ?? 5_000, { min: 0, max: 3_600_000 }),
    tls: options.tls,
  };
}
