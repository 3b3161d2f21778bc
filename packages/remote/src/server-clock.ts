import { ManualClock } from '@switchyard/core';
import { request } from 'undici';
import { errorFromResponse, RemoteUnavailableError } from './errors.js';
import type { FenceLog } from './fence-log.js';

export interface ServerClockOptions {
  /** Bearer token, when the server has credentials (advancing needs `manage` on `*`). */
  token?: string;
}

/**
 * A ManualClock that moves a test-clock server's time along with its own, for tests of code that
 * runs against `switchyard server --test-clock` (the conformance suite, or an application's own).
 *
 *   const clock = await ServerClock.connect(url);            // starts at the server's now
 *   await using broker = await openRemoteBroker({ url, clock });
 *   await clock.advance(30_000);                              // leases end on the server too
 *
 * `advance` first has the server wait until it has begun every operation that engines driven by
 * this clock issued before the call (so a long poll started just before keeps the deadline it was
 * given), advances the server, then itself. Time only moves forward, and each clock starts at the
 * server's present, so tests sharing one server stay independent. One clock drives a server at a
 * time: if the server's time is not this clock's after an advance, the advance throws.
 */
export class ServerClock extends ManualClock {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #logs = new Set<FenceLog>();

  private constructor(url: string, start: number, token: string | undefined) {
    super(start);
    this.url = url.replace(/\/+$/, '');
    this.#token = token;
  }

  /** A clock at the server's present. Fails unless the server runs with a test clock. */
  static async connect(url: string, options: ServerClockOptions = {}): Promise<ServerClock> {
    const base = url.replace(/\/+$/, '');
    const { now } = await call<{ now: number }>(base, 'GET', '/v1/_test/clock', undefined, options.token);
    return new ServerClock(base, now, options.token);
  }

  /** Engines driven by this clock register their fence log here (see FenceLog). */
  follow(log: FenceLog): () => void {
    this.#logs.add(log);
    return () => void this.#logs.delete(log);
  }

  override async advance(ms: number): Promise<void> {
    const fences = [...this.#logs].flatMap((log) => log.outstanding());
    const { now } = await call<{ now: number }>(this.url, 'POST', '/v1/_test/clock/advance', { ms, fences }, this.#token);
    await super.advance(ms);
    if (now !== this.now()) throw new Error(`the server's clock reads ${now} but this clock reads ${this.now()}: something else moved one of them`);
  }
}

async function call<T>(base: string, method: 'GET' | 'POST', path: string, body: unknown, token: string | undefined): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    // reset: no keep-alive socket is left to hold the test process open.
    res = await request(`${base}${path}`, { method, headers, reset: true, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (cause) {
    throw new RemoteUnavailableError(base, `${method} ${path} failed`, { cause });
  }
  const parsed = (await res.body.json().catch(() => ({}))) as T & { error?: { code: string; message: string } };
  if (res.statusCode === 404 && path.startsWith('/v1/_test')) {
    throw new RemoteUnavailableError(base, 'the server has no test clock: start it with `switchyard server --test-clock`');
  }
  if (res.statusCode >= 400) throw errorFromResponse(base, res.statusCode, parsed.error);
  return parsed;
}
