import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Message, type Options } from 'amqplib';
import { ClosedError } from '@switchyard/core';
import { setTimeout as delay } from 'node:timers/promises';

/** One connection's worth of channels; replaced as a whole when the connection drops. */
export interface Session {
  /** Increases with every new connection: a lease from an older session ended when its connection did. */
  readonly epoch: number;
  readonly model: ChannelModel;
  /** Publisher confirms: a publish resolves once the broker has the message on disk in every target queue. */
  readonly confirm: ConfirmChannel;
  /** Returned (unroutable) mandatory publishes, by message id, so a send to a deleted queue fails. */
  readonly returned: Set<string>;
}

/**
 * A connection that comes back. When the broker goes away every operation waits (up to
 * `reconnectTimeoutMs`) for a new connection instead of failing at once; what was leased on the
 * old one was returned to its queue by the broker. Channels whose use may fail (declaring,
 * getting from a queue that may be gone) are separate from the ones holding leases, since an
 * AMQP channel error closes the channel and returns everything leased on it.
 */
export class Connection {
  readonly #url: string;
  readonly #timeoutMs: number;
  #session: Promise<Session> | undefined;
  #epoch = 0;
  #closed = false;
  /** Lease channels, one per queue, of the current session (in confirm mode, for AckBarrier). */
  #leaseChannels = new Map<string, Promise<ConfirmChannel>>();

  constructor(url: string, timeoutMs: number) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  get epoch(): number {
    return this.#epoch;
  }

  session(): Promise<Session> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return (this.#session ??= this.#connect().catch((err: unknown) => {
      this.#session = undefined;
      throw err;
    }));
  }

  async #connect(): Promise<Session> {
    const deadline = Date.now() + this.#timeoutMs;
    let wait = 100;
    for (;;) {
      try {
        const url = new URL(this.#url);
        // Heartbeats find a dead broker within seconds instead of waiting on TCP.
        if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', '10');
        const model = await amqp.connect(url.toString(), { timeout: 10_000 });
        const epoch = ++this.#epoch;
        const drop = () => {
          if (this.#epoch === epoch) {
            this.#session = undefined;
            this.#leaseChannels = new Map();
          }
        };
        model.on('close', drop);
        model.on('error', drop);
        const confirm = await model.createConfirmChannel();
        const returned = new Set<string>();
        confirm.on('return', (m: Message) => returned.add(String(m.properties.messageId)));
        confirm.on('error', () => undefined);
        confirm.on('close', () => void model.close().catch(() => undefined));
        return { epoch, model, confirm, returned };
      } catch (err) {
        if (this.#closed || Date.now() + wait > deadline) throw err;
        await delay(wait);
        wait = Math.min(wait * 2, 2_000);
      }
    }
  }

  /** Publishes with confirms; rejects when the broker refuses it, the connection drops first, or a mandatory publish was unroutable. */
  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    const s = await this.session();
    await new Promise<void>((resolve, reject) => {
      s.confirm.publish(exchange, routingKey, content, options, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
    });
    const id = String(options.messageId);
    if (options.mandatory && s.returned.delete(id)) throw new UnroutableError(routingKey);
  }

  /** Runs `fn` on a fresh channel that is closed afterwards, so a channel error (404, 406) stays contained. */
  async withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const s = await this.session();
    const ch = await s.model.createChannel();
    ch.on('error', () => undefined);
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** The channel leases of `queue` live on in this session (created on first use). */
  async leaseChannel(queue: string): Promise<{ ch: ConfirmChannel; epoch: number }> {
    const s = await this.session();
    let ch = this.#leaseChannels.get(queue);
    if (!ch) {
      ch = s.model.createConfirmChannel().then((c) => {
        c.on('error', () => undefined);
        c.on('close', () => {
          if (this.#leaseChannels.get(queue) === ch) this.#leaseChannels.delete(queue);
          this.onChannelClosed?.(c);
        });
        return c;
      });
      this.#leaseChannels.set(queue, ch);
      ch.catch(() => this.#leaseChannels.delete(queue));
    }
    return { ch: await ch, epoch: s.epoch };
  }

  /** Called when a queue's lease channel closes: its leases have ended. */
  onChannelClosed: ((ch: Channel) => void) | undefined;

  async close(): Promise<void> {
    this.#closed = true;
    const s = await this.#session?.catch(() => undefined);
    await s?.model.close().catch(() => undefined);
  }
}

export class UnroutableError extends Error {
  constructor(readonly routingKey: string) {
    super(`no queue ${routingKey}`);
  }
}
