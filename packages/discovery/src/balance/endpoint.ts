/**
 * One instance as a balancer sees it: the registry's view plus what this client has measured —
 * calls in flight and a peak-EWMA of latency (the cost the power-of-two-choices balancer reads).
 */
import type { Instance } from '../instance.js';

export class Endpoint {
  instance: Instance;
  /** `host:port`, ready for a URL or a gRPC target. */
  readonly authority: string;
  /**
   * `scheme://host:port`, set by the HTTP client that owns the pool on its first call here: one
   * string for every call, whose hash undici's origin map then computes only once.
   */
  origin: string | undefined = undefined;
  /** Calls started and not yet finished. */
  outstanding = 0;
  /** Peak-EWMA latency in ms; 0 until the first call finishes. */
  ewmaMs = 0;
  #stamp = 0;
  readonly #decayMs: number;

  constructor(instance: Instance, decayMs: number) {
    this.instance = instance;
    this.#decayMs = decayMs;
    const { host, port } = instance.address;
    this.authority = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  }

  get id(): string {
    return this.instance.id;
  }

  /**
   * Folds in one latency. "Peak" EWMA (Finagle's): a latency above the average replaces it at
   * once, so a slowing instance is avoided quickly; lower ones pull it down with a weight that
   * decays over `decayMs` of time since the previous sample.
   */
  observe(latencyMs: number, now: number): void {
    const rtt = Math.max(0, latencyMs);
    if (rtt > this.ewmaMs || this.#stamp === 0) {
      this.ewmaMs = rtt;
    } else {
      const w = Math.exp(-Math.max(0, now - this.#stamp) / this.#decayMs);
      this.ewmaMs = this.ewmaMs * w + rtt * (1 - w);
    }
    this.#stamp = now;
  }

  /**
   * Expected wait for one more call: latency × (calls in flight + 1). An endpoint with no
   * measurement yet costs 0 when idle (so it gets tried) and a large penalty once busy (so it
   * does not swallow every call before its first answer).
   */
  cost(): number {
    if (this.ewmaMs === 0) return this.outstanding === 0 ? 0 : 1e9 + this.outstanding;
    return this.ewmaMs * (this.outstanding + 1);
  }
}
