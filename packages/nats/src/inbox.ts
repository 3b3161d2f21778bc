import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

/** How long a reply is waited for before the call fails. */
const replyTimeoutMs = 10_000;

interface Pending {
  subject: string;
  expiresAt: number;
  resolve(m: Msg): void;
  reject(err: Error): void;
}

export class NoReplyError extends Error {
  constructor(subject: string, reason: string) {
    super(`no reply on ${subject}: ${reason}`);
  }
}

/**
 * One wildcard subscription (`<inbox>.*`) for the one-message answers the engine waits for:
 * JetStream's acks of published messages, and its confirmations of acks and nacks. A reply subject is the inbox plus a counter, so a
 * call costs a publish and a map entry: no timer and no request object of its own (nats.js
 * builds an Error per `request()`, for a stack trace, even when it succeeds). The subscription
 * survives reconnects; calls still waiting when the connection closes fail. Not for pulls: the
 * messages a pull delivers carry their own subject, not the reply subject, so only the
 * subscription they arrive on can tell whose they are (pull.ts).
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
        const token = m.subject.slice(this.#prefix.length);
        const p = this.#pending.get(token);
        if (!p) return;
        this.#pending.delete(token);
        if (m.data.length === 0 && m.headers?.code === 503) p.reject(new NoReplyError(p.subject, 'no responders'));
        else p.resolve(m);
      },
    });
    void nc.closed().then(() => this.close());
  }

  /**
   * Publishes `data` to `subject` and resolves with the server's answer (for a message on a
   * stream's subject: once it is stored; for an ack on a `$JS.ACK` subject: once the consumer
   * has applied it). Rejects with NoReplyError when nobody is listening on `subject` or no
   * answer came within 10 s.
   */
  request(subject: string, data: string | Uint8Array, headers?: MsgHdrs): Promise<Msg> {
    if (this.#closed) return Promise.reject(new NoReplyError(subject, 'the connection is closed'));
    this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
    const token = this.#next.toString(36);
    // No closures per call beyond the promise's own: this runs for every send and every ack.
    const expiresAt = Date.now() + replyTimeoutMs;
    const reply = new Promise<Msg>((resolve, reject) => this.#pending.set(token, { subject, expiresAt, resolve, reject }));
    this.#sweep();
    this.#nc.publish(subject, data, headers ? { reply: this.#prefix + token, headers } : { reply: this.#prefix + token });
    return reply;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const left = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of left) p.reject(new NoReplyError(p.subject, 'the connection closed'));
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
        p.reject(new NoReplyError(p.subject, 'timed out'));
      }
      if (!live) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, 1_000);
    this.#sweeper.unref();
  }
}

const decoder = new TextDecoder();

/** JetStream refused a published message (the reply to a publish carried an error). */
export class PublishRejectedError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(`JetStream refused the message: ${description} (${code})`);
  }
}

/**
 * Publishes one message to a stream's subject and resolves once JetStream has stored it (its
 * PubAck), as `js.publish` does, without that call's per-message request object and timer. A
 * subject no stream captures rejects with NoReplyError ("no responders"). `duplicate`: the
 * stream already held a message with this `Nats-Msg-Id` within its dedup window and did not
 * store this one.
 */
export async function publishToStream(inbox: Inbox, subject: string, data: Uint8Array, headers: MsgHdrs): Promise<{ duplicate: boolean }> {
  const reply = await inbox.request(subject, data, headers);
  const ack = JSON.parse(decoder.decode(reply.data)) as { error?: { code: number; description: string }; duplicate?: boolean };
  if (ack.error) throw new PublishRejectedError(ack.error.code, ack.error.description);
  return { duplicate: ack.duplicate === true };
}
