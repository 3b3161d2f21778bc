import { HttpError, HttpErrorCode } from '../http-errors.js';

/** The header that carries an HTTP request's fence; on the push channel a frame's `fence` field. */
export const fenceHeader = 'switchyard-fence';

interface ClientFences {
  /** Every sequence number up to this one has been marked. */
  low: number;
  /** Marked numbers above `low` (requests can overtake each other on separate connections). */
  above: Set<number>;
}

/**
 * Orders a test's clock advances after the operations issued before them (test-clock mode only).
 *
 * A client numbers each operation `<client>.<seq>`. The server marks a fence once it has begun the
 * operation: its handler has run up to its first wait, so a long poll has fixed its deadline and a
 * rate-limited redrive its start. An advance names the fences its client still has outstanding and
 * waits for them. Without this, an advance sent on one connection could overtake a long poll sent
 * just before it on another and move that poll's deadline.
 */
export class Fences {
  readonly #clients = new Map<string, ClientFences>();
  readonly #waiters = new Set<() => void>();

  mark(fence: string): void {
    const f = parseFence(fence);
    if (!f) return;
    let c = this.#clients.get(f.client);
    if (!c) this.#clients.set(f.client, (c = { low: 0, above: new Set() }));
    if (f.seq <= c.low) return;
    c.above.add(f.seq);
    while (c.above.delete(c.low + 1)) c.low++;
    for (const check of [...this.#waiters]) check();
  }

  has(fence: string): boolean {
    const f = parseFence(fence);
    if (!f) return false;
    const c = this.#clients.get(f.client);
    return c !== undefined && (f.seq <= c.low || c.above.has(f.seq));
  }

  /**
   * Resolves once every fence is marked. Rejects after `timeoutMs` of real time (not clock time:
   * the clock is what is waiting), naming the operations that never arrived.
   */
  waitFor(fences: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = () => {
        if (!fences.every((f) => this.has(f))) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        const missing = fences.filter((f) => !this.has(f));
        reject(new HttpError(400, HttpErrorCode.BadRequest, `operations ${missing.join(', ')} did not reach the server within ${timeoutMs} ms; the clock was not moved`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

function parseFence(fence: string): { client: string; seq: number } | undefined {
  const m = /^([A-Za-z0-9_-]{1,64})\.(\d{1,15})$/.exec(fence);
  return m ? { client: m[1] as string, seq: Number(m[2]) } : undefined;
}
