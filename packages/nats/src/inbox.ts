import { createInbox, type Msg, type NatsConnection } from '@nats-io/transport-node';

/** How long a reply is waited for before the call fails. */
const replyTimeoutMs = 10_000;

interface Pending {
  onMessage: (m: Msg) => void;
  expiresAt: number;
  fail: (reason: string) => void;
}

export class NoReplyError extends Error {
  constructor(subject: string, reason: string) {
    super(`no reply on ${subject}: ${reason}`);
  }
}

/**
 * One wildcard subscription (`<inbox>.*`) for the one-message answers the engine waits for:
 * confirmations of acks, nacks and working. A reply subject is the inbox plus a counter, so a
 * call costs a publish and a map entry: no timer and no request object of its own (nats.js
 * builds an Error per `request()`, for a stack trace, even when it succeeds). The subscription
 * survives reconnects; calls still waiting when the connection closes fail. Not for pulls: the
 * messages a pull delivers carry their own subject, not the reply subject, so only a
 * subscription per pull can tell whose they are.
 */
export class Inbox {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #pending = new Map<string, Pending>();
  #next = 0;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = `${createInbox()}.`;
    nc.subscribe(`${this.#prefix}*`, {
      callback: (err, m) => {
        if (err) return;
        this.#pending.get(m.subject.slice(this.#prefix.length))?.onMessage(m);
      },
    });
    void nc.closed().then(() => this.close());
  }

  /**
   * Publishes `data` to `subject` and resolves once the server has answered it (for an ack on a
   * `$JS.ACK` subject: once the consumer has applied it). Rejects with NoReplyError when nobody
   * is listening on `subject` or no answer came within 10 s.
   */
  request(subject: string, data: string): Promise<Msg> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new NoReplyError(subject, 'the connection is closed'));
      this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
      const token = this.#next.toString(36);
      this.#pending.set(token, {
        expiresAt: Date.now() + replyTimeoutMs,
        fail: (reason) => reject(new NoReplyError(subject, reason)),
        onMessage: (m) => {
          this.#pending.delete(token);
          if (m.data.length === 0 && m.headers?.code === 503) reject(new NoReplyError(subject, 'no responders'));
          else resolve(m);
        },
      });
      this.#sweep();
      this.#nc.publish(subject, data, { reply: this.#prefix + token });
    });
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const left = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of left) p.fail('the connection closed');
  }

  /** Fails requests past their time; they expire in the order they were made, so the scan stops at the first live one. */
  #sweep(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      let live = false;
      for (const [token, p] of this.#pending) {
        if (p.expiresAt > now) {
          live = true;
          break;
        }
        this.#pending.delete(token);
        p.fail('timed out');
      }
      if (!live) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, 1_000);
    this.#sweeper.unref();
  }
}
