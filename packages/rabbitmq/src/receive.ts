import type { Channel, ConsumeMessage } from 'amqplib';

/** Deliveries the broker may push ahead of a receive, beyond the leases this channel holds. */
const readAhead = 16;
/** The consumer is cancelled after this long without a receive, so idle processes hold nothing. */
const idleMs = 250;
/** How long to wait for messages the queue reported ready (a receive with no wait waits this long for them). */
const readyWaitMs = 100;

interface Waiter {
  max: number;
  /** Serve at once when this many are here; fewer are served when deliveries pause. */
  want: number;
  resolve: (got: ConsumeMessage[]) => void;
}

/**
 * The consumer prefetch for `held` deliveries on the channel (leases, and acks the broker has not
 * confirmed yet). Each keeps its place in the broker's window until the broker has settled it, so
 * the window must be those plus the read-ahead: otherwise a process holding 16 leases could take
 * no more, and one acking as fast as it receives would wait, after each ack, for the quorum queue
 * to settle it before the next message is sent. Rounded up to a multiple of the read-ahead (16 to
 * 31 ahead), so the window does not grow for every lease.
 */
export function windowFor(held: number): number {
  return Math.ceil((held + readAhead) / readAhead) * readAhead;
}

/**
 * Takes deliveries from a quorum queue onto `ch`, where they stay leased until settled. Starting
 * and cancelling a consumer are each a write to the queue's Raft log (as is every basic.get), so
 * a consumer is kept running while receives keep coming, its window sized by `windowFor`: the
 * broker pushes messages ahead, and they wait here for the next receive; when the leases
 * outgrow the window another consumer takes up the difference. Waiting here is not a lease:
 * the broker counts a delivery only when a message comes back, and a message still waiting when
 * the consumer goes idle is handed back by `giveBack` (republished with its receive count, then
 * acked, so it does not count as a receive). A process that dies with messages waiting here
 * returns them with one delivery too many counted. Stats count waiting messages as ready.
 */
export class Receiver {
  readonly #buffer: ConsumeMessage[] = [];
  readonly #waiters: Waiter[] = [];
  /** The running consumers' tags: one, and one more each time the window grew (see `#grow`). */
  #consumer: Promise<string[]> | undefined;
  /** The prefetch of the running consumers, together. */
  #window = 0;
  #idle: NodeJS.Timeout | undefined;
  #active = 0;
  #closed = false;
  #serveTimer: NodeJS.Timeout | undefined;
  #burstStart: number | undefined;
  /**
   * Deliveries the broker is known to be sending: the ready count read before a receive, less
   * what has arrived since. The broker counts a pushed message as delivered at once, while it may
   * still be on its way here over several socket reads; a receive that finds part of a burst here
   * waits for the rest (up to `readyWaitMs`) instead of returning short.
   */
  #coming = 0;
  /** The stop under way (idle, stats or redrive), if any. */
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly ch: Channel,
    private readonly queue: string,
    private readonly giveBack: (messages: ConsumeMessage[]) => Promise<void>,
    /** Deliveries on `ch` not yet settled as far as the broker knows: leases, and acks not yet confirmed. */
    private readonly held: () => number,
  ) {
    // A closed channel's deliveries went back to the queue with it: forget them, never republish them.
    ch.once('close', () => {
      this.#closed = true;
      this.#buffer.length = 0;
      this.#coming = 0;
      for (const w of [...this.#waiters]) w.resolve([]);
    });
  }

  async take(max: number, waitMs: number, signal: AbortSignal): Promise<ConsumeMessage[]> {
    if (signal.aborted) return [];
    this.#active++;
    clearTimeout(this.#idle);
    try {
      const here = this.#buffer.length;
      if (here >= max) return this.#buffer.splice(0, max);
      // A long poll answers with what is here; a receive with no wait, with what is ready, up to max.
      if (here > 0 && this.#coming === 0 && waitMs > 0) return this.#buffer.splice(0, max);
      // The queue's ready count says how many more to expect: before a consumer runs, and for a
      // receive with no wait that what was announced before cannot fill.
      const ask = waitMs <= 0 ? here + this.#coming < max : here === 0 && !this.#consumer;
      const ready = ask ? (await this.ch.checkQueue(this.queue)).messageCount : 0;
      const held = this.held();
      const window = windowFor(held);
      // The consumer is sent them as far as its window has room (what it was sent already is in `#coming`).
      this.#coming = Math.max(this.#coming, Math.min(ready, window - held - this.#buffer.length));
      if (waitMs <= 0 && this.#coming === 0) return this.#buffer.splice(0, max);
      const want = Math.max(1, Math.min(max, this.#buffer.length + this.#coming));
      if (this.#consumer && window > this.#window) this.#consumer = this.#grow(this.#consumer, window);
      await (this.#consumer ??= this.#start(window));
      if (this.#buffer.length >= want) return this.#buffer.splice(0, max);
      return await this.#wait(max, want, waitMs > 0 ? waitMs : readyWaitMs, signal);
    } finally {
      if (--this.#active === 0) this.#idle = setTimeout(() => void this.#stop(), idleMs);
    }
  }

  #wait(max: number, want: number, waitMs: number, signal: AbortSignal): Promise<ConsumeMessage[]> {
    // Aborted while the consumer was starting: the abort event has already fired.
    if (signal.aborted) return Promise.resolve([]);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        max,
        want,
        resolve: (got) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', end);
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          resolve(got);
        },
      };
      const end = () => waiter.resolve([]);
      // Out of time: what is here is the answer, and what was announced is not coming.
      const expire = () => {
        this.#coming = 0;
        waiter.resolve(this.#buffer.splice(0, max));
      };
      const timer = setTimeout(expire, waitMs);
      signal.addEventListener('abort', end, { once: true });
      this.#waiters.push(waiter);
      // Part of a burst is here already: serve it when the rest has come, or when it stops coming.
      if (this.#buffer.length > 0) this.#armServe();
    });
  }

  /**
   * Serves the oldest waiter when deliveries pause: 2 ms after the last one or 10 ms after the
   * first (a burst spans socket reads), or, while announced deliveries are still on their way,
   * `readyWaitMs` after the first (they may have gone to another consumer).
   */
  #armServe(): void {
    const start = (this.#burstStart ??= Date.now());
    const [pause, cap] = this.#coming > 0 ? [readyWaitMs, readyWaitMs] : [2, 10];
    clearTimeout(this.#serveTimer);
    this.#serveTimer = setTimeout(
      () => {
        this.#coming = 0;
        this.#serve();
      },
      Math.max(0, Math.min(pause, start + cap - Date.now())),
    );
  }

  #serve(): void {
    clearTimeout(this.#serveTimer);
    this.#serveTimer = undefined;
    this.#burstStart = undefined;
    const w = this.#waiters[0];
    if (w && this.#buffer.length > 0) w.resolve(this.#buffer.splice(0, w.max));
  }

  /**
   * Widens the window by adding a consumer for the difference, rather than restarting the one
   * running: a quorum queue returns deliveries still on their way to a cancelled consumer, and a
   * return counts as a delivery (`x-delivery-count`), so each restart could cost messages in
   * flight a receive they never had.
   */
  async #grow(consumer: Promise<string[]>, window: number): Promise<string[]> {
    const tags = await consumer;
    // A grow queued behind another may find the window wide enough already.
    if (window <= this.#window) return tags;
    // By a quarter at least, so a process holding thousands of leases runs tens of consumers,
    // not hundreds, and reads ahead by a quarter of what it holds at most.
    const extra = Math.max(window - this.#window, Math.ceil(this.#window / 4 / readAhead) * readAhead);
    return [...tags, ...(await this.#start(extra, this.#window + extra))];
  }

  /** Starts a consumer with prefetch `prefetch`; `window` is then the running consumers' total. */
  async #start(prefetch: number, window = prefetch): Promise<string[]> {
    this.#window = window;
    await this.ch.prefetch(prefetch, false);
    const { consumerTag } = await this.ch.consume(
      this.queue,
      (m) => {
        if (!m) return;
        this.#buffer.push(m);
        if (this.#coming > 0) this.#coming--;
        const w = this.#waiters[0];
        if (w && this.#buffer.length >= w.want) return this.#serve();
        this.#armServe();
      },
      { noAck: false },
    );
    return [consumerTag];
  }

  /** Cancels every running consumer; deliveries sent before each cancel-ok land in the buffer. */
  async #cancel(consumer: Promise<string[]>): Promise<void> {
    const tags = await consumer.catch(() => []);
    await Promise.all(tags.map((tag) => this.ch.cancel(tag).catch(() => undefined)));
  }

  /**
   * Counts what is ready: stops the consumer and waits for the cancel to be confirmed (AMQP
   * orders every delivery before cancel-ok, so all it was sent is then here), then runs
   * `readQueue` with the number waiting here while no hand-back can move them into the queue.
   * Each message is then counted once, here or in the broker's count. Stats call this; the next
   * receive starts the consumer again.
   */
  async countReady(readQueue: () => Promise<number>): Promise<number> {
    // An idle stop under way may be handing the buffer back: wait for it to finish.
    await this.#stopping;
    const consumer = this.#consumer;
    if (consumer && this.#active === 0) {
      this.#consumer = undefined;
      await this.#cancel(consumer);
      this.#coming = 0;
    }
    await this.#stopping;
    // Counted as a receive under way, so an idle stop cannot hand messages back meanwhile.
    this.#active++;
    clearTimeout(this.#idle);
    try {
      return this.#buffer.length + (await readQueue());
    } finally {
      if (--this.#active === 0) this.#idle = setTimeout(() => void this.#stop(), idleMs);
    }
  }

  /**
   * Cancels the consumer and hands back what is buffered, unless a receive is under way. One stop
   * at a time: a second caller (stats, redrive) waits for the one under way, so it sees the
   * messages either here or back in the queue, never in both or neither.
   */
  #stop(): Promise<void> {
    return (this.#stopping ??= this.#cancelAndHandBack().finally(() => (this.#stopping = undefined)));
  }

  async #cancelAndHandBack(): Promise<void> {
    if (this.#active > 0) return;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer) await this.#cancel(consumer);
    // Every delivery sent before cancel-ok is here now.
    this.#coming = 0;
    // A receive that came in meanwhile takes what is here; otherwise hand it back (deliveries that
    // arrived before cancel-ok are in the buffer too).
    if (this.#active > 0 || this.#closed) return;
    const left = this.#buffer.splice(0);
    if (left.length > 0) await this.giveBack(left).catch(() => undefined);
  }

  /** Stops the consumer now (close) without handing messages back: closing the channel returns them. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    this.#coming = 0;
    for (const w of [...this.#waiters]) w.resolve([]);
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer) await this.#cancel(consumer);
  }

  /** Stops the consumer and hands back what waits here now (before redrive reads the queue). */
  async handBack(): Promise<void> {
    clearTimeout(this.#idle);
    await this.#stop();
  }

  /** Takes every waiting message out (purge acks them). */
  drain(): ConsumeMessage[] {
    this.#coming = 0;
    return this.#buffer.splice(0);
  }
}
