import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface PullRequest {
  batch: number;
  /** Long poll: the server holds the request this long for a message. Absent: `no_wait`, answer with what is ready now. */
  expiresMs?: number;
  signal?: AbortSignal;
}

/** Extra time the client waits for the server's own end-of-request status before giving up on it. */
const graceMs = 5_000;
/** Reply inboxes kept subscribed for the next pulls. */
const maxIdle = 16;

/** A pull waiting for its messages on a channel. */
interface Waiting {
  out: Msg[];
  batch: number;
  end(clean: boolean): void;
}

/** A reply inbox with its subscription, used by one pull at a time. */
interface Channel {
  inbox: string;
  sub: Subscription;
  current: Waiting | undefined;
}

/**
 * JetStream pull requests (`$JS.API.CONSUMER.MSG.NEXT`) on durable consumers. The server
 * answers a request with up to `batch` messages on the request's reply inbox and ends it with a
 * status (404 no messages, 408 expired) or by filling the batch. Waiting is the server's: a long
 * poll returns as soon as a message arrives, without a sleep loop.
 *
 * The messages a pull delivers carry their own subject, so only the subscription they arrive on
 * tells whose they are: each pull needs an inbox of its own while it runs. An inbox whose request
 * ended cleanly (a full batch, or 404/408) gets nothing more, so it is kept, subscribed, for the
 * next pull: a pull costs one publish instead of a subscribe, a publish and an unsubscribe (the
 * server updating its interest graph twice per receive). An inbox whose request ended any other
 * way (aborted, timed out, another status) is unsubscribed, which also withdraws the request:
 * the server drops waiting requests whose reply subject has no interest.
 */
export class Puller {
  readonly #nc: NatsConnection;
  readonly #idle: Channel[] = [];
  #closed = false;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  pull(stream: string, consumer: string, req: PullRequest): Promise<Msg[]> {
    if (req.signal?.aborted || this.#closed) return Promise.resolve([]);
    const ch = this.#idle.pop() ?? this.#open();
    return new Promise<Msg[]>((resolve) => {
      const out: Msg[] = [];
      const abort = () => waiting.end(false);
      const timer = setTimeout(abort, (req.expiresMs ?? 0) + graceMs);
      const waiting: Waiting = {
        out,
        batch: req.batch,
        end: (clean) => {
          if (ch.current !== waiting) return;
          ch.current = undefined;
          clearTimeout(timer);
          req.signal?.removeEventListener('abort', abort);
          if (clean && !this.#closed && this.#idle.length < maxIdle) this.#idle.push(ch);
          else ch.sub.unsubscribe();
          resolve(out);
        },
      };
      ch.current = waiting;
      req.signal?.addEventListener('abort', abort, { once: true });
      const body = req.expiresMs === undefined ? { batch: req.batch, no_wait: true } : { batch: req.batch, expires: req.expiresMs * 1_000_000 };
      this.#nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(body), { reply: ch.inbox });
    });
  }

  /** Unsubscribes the idle inboxes; pulls still running end when their inbox is dropped or the connection closes. */
  close(): void {
    this.#closed = true;
    for (const ch of this.#idle.splice(0)) ch.sub.unsubscribe();
  }

  #open(): Channel {
    const inbox = createInbox();
    const ch: Channel = { inbox, sub: undefined as unknown as Subscription, current: undefined };
    ch.sub = this.#nc.subscribe(inbox, { callback: (err, m) => this.#arrived(ch, err, m) });
    // A subscription closed under a pull (the connection closed, a permissions error) ends it now
    // rather than at its timer.
    void ch.sub.closed.then(() => ch.current?.end(false));
    return ch;
  }

  #arrived(ch: Channel, err: Error | null, m: Msg): void {
    const w = ch.current;
    if (err) return w?.end(false);
    const delivered = m.reply?.startsWith('$JS.ACK.') === true;
    if (!w) {
      // Nothing should reach an inbox between pulls; if a message does, give it back at once
      // (rather than leave it leased until AckWait) and stop using the inbox.
      if (delivered) this.#nc.publish(m.reply as string, '-NAK');
      const idle = this.#idle.indexOf(ch);
      if (idle >= 0) this.#idle.splice(idle, 1);
      ch.sub.unsubscribe();
      return;
    }
    if (!delivered) {
      // A status ends the request; only "no messages" and "expired" leave nothing behind it.
      const code = m.headers?.code;
      return w.end(code === 404 || code === 408);
    }
    w.out.push(m);
    if (w.out.length >= w.batch) w.end(true);
  }
}
