import { Agent, WebSocket } from 'undici';
import type { ErrorDetail } from './errors.js';
import type { FenceLog } from './fence-log.js';
import type { HttpTransport } from './http.js';
import type { ResolvedRemoteOptions } from './options.js';
import type { WireMessage } from './wire.js';

/** The server's answer to one request (frames in the server's push/frames.ts). */
export interface PushReply {
  id: number;
  messages?: WireMessage[];
  ok?: boolean;
  error?: ErrorDetail;
}

/**
 * The connection dropped before the request was answered: the server may or may not have acted
 * on it. Callers fall back to HTTP (see RemoteQueues).
 */
export class ChannelLostError extends Error {
  override readonly name = 'ChannelLostError';
}

interface Pending {
  resolve(reply: PushReply): void;
  reject(err: Error): void;
  /** The fence this channel took for the request (none when the caller brought its own). */
  fence: string | undefined;
  timer: NodeJS.Timeout | undefined;
  receive: boolean;
}

/** Receives one connection may hold waiting: the server's default limit. */
const maxReceives = 1000;

type State = 'idle' | 'absent' | 'closed';

/**
 * The client end of the push channel: one WebSocket per engine, opened on first use, carrying
 * requests and their answers matched by id. When it cannot be used — the server has none (404 on
 * the plain GET, remembered), it failed within `pushRetryMs`, or the engine is closing —
 * `socket()` returns undefined and callers use HTTP.
 */
export class PushChannel {
  readonly #http: HttpTransport;
  readonly #o: ResolvedRemoteOptions;
  readonly #fences: FenceLog | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #dispatcher: Agent | undefined;
  #state: State = 'idle';
  #socket: WebSocket | undefined;
  #connecting: Promise<WebSocket | undefined> | undefined;
  #retryAt = 0;
  #nextId = 1;
  #receives = 0;
  /** Called when the last pending answer arrives (close waits on it). */
  #drained: (() => void) | undefined;

  constructor(http: HttpTransport, options: ResolvedRemoteOptions, fences: FenceLog | undefined) {
    this.#http = http;
    this.#o = options;
    this.#fences = fences;
    this.#dispatcher = options.tls ? new Agent({ connect: { ...options.tls } }) : undefined;
  }

  /** The socket if it is open now (settling never waits for a connection). */
  get open(): WebSocket | undefined {
    return this.#socket?.readyState === WebSocket.OPEN ? this.#socket : undefined;
  }

  /** False while the connection holds as many waiting receives as the server allows. */
  get hasRoomForReceive(): boolean {
    return this.#receives < maxReceives;
  }

  /** The open socket, connecting first if need be; undefined when HTTP must be used instead. */
  async socket(): Promise<WebSocket | undefined> {
    if (this.open) return this.#socket;
    if (this.#state !== 'idle' || Date.now() < this.#retryAt) return undefined;
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /**
   * Sends a request; `reply` settles with the answer, or rejects with ChannelLostError. `fence`
   * (test clock): the operation's fence when the caller took it earlier. An answer later than
   * `timeoutMs` (real time; Infinity for none) means the connection or the server is stuck: the
   * connection is dropped and every request on it rejects with ChannelLostError.
   */
  request(socket: WebSocket, frame: Record<string, unknown>, options: { fence?: string | undefined; timeoutMs?: number; receive?: boolean } = {}): { id: number; reply: Promise<PushReply> } {
    const id = this.#nextId++;
    if (socket.readyState !== WebSocket.OPEN) return { id, reply: Promise.reject(new ChannelLostError('the push channel is not open')) };
    const own = options.fence === undefined ? this.#fences?.begin() : undefined;
    const sent = options.fence ?? own;
    const timeoutMs = options.timeoutMs ?? this.#o.requestTimeoutMs;
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.#stuck(socket, timeoutMs), timeoutMs) : undefined;
    const receive = options.receive === true;
    if (receive) this.#receives++;
    const reply = new Promise<PushReply>((resolve, reject) => this.#pending.set(id, { resolve, reject, fence: own, timer, receive }));
    socket.send(JSON.stringify({ ...frame, id, ...(sent ? { fence: sent } : {}) }));
    return { id, reply };
  }

  /** Asks the server to end the receive `id` early; its answer still comes, empty or not. */
  cancel(id: number): void {
    if (this.#pending.has(id) && this.open) this.#socket?.send(JSON.stringify({ op: 'cancel', id }));
  }

  /**
   * Stops opening connections, waits (up to `graceMs`) for the answers still due — acks in flight,
   * cancelled receives — and closes the socket.
   */
  async close(graceMs = 5_000): Promise<void> {
    this.#state = 'closed';
    await this.#connecting;
    if (this.#pending.size > 0 && this.open) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        setTimeout(resolve, graceMs).unref();
      });
    }
    // Answers just handled may have queued follow-ups (releases over HTTP): let them start first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#socket?.close(1000, 'engine closed');
    this.#drop(new ChannelLostError('the engine closed'));
    await this.#dispatcher?.close();
  }

  async #connect(): Promise<WebSocket | undefined> {
    const url = new URL(`${this.#http.url}/v1/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, { headers: this.#http.authHeaders(), ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}) });
    const opened = await new Promise<boolean>((resolve) => {
      const settle = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false), this.#o.requestTimeoutMs);
      ws.addEventListener('open', () => settle(true), { once: true });
      ws.addEventListener('close', () => settle(false), { once: true });
      ws.addEventListener('error', () => settle(false), { once: true });
    });
    if (!opened || this.#state === 'closed') {
      ws.close();
      this.#retryAt = Date.now() + this.#o.pushRetryMs;
      if (this.#state === 'idle' && (await this.#serverLacksChannel())) this.#state = 'absent';
      return undefined;
    }
    this.#socket = ws;
    ws.addEventListener('message', (event) => this.#onMessage(event.data));
    ws.addEventListener('close', () => {
      if (this.#socket === ws) this.#socket = undefined;
      this.#retryAt = Date.now() + this.#o.pushRetryMs;
      this.#drop(new ChannelLostError('the push channel closed'));
    });
    return ws;
  }

  /** True when the server answers the plain GET with 404: it has no push channel at all. */
  async #serverLacksChannel(): Promise<boolean> {
    try {
      await this.#http.call('GET', '/v1/ws');
      return false;
    } catch (err) {
      return (err as { status?: unknown }).status === 404;
    }
  }

  #stuck(socket: WebSocket, timeoutMs: number): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.close();
    this.#retryAt = Date.now() + this.#o.pushRetryMs;
    this.#drop(new ChannelLostError(`the push channel gave no answer within ${timeoutMs} ms`));
  }

  #onMessage(data: unknown): void {
    let reply: PushReply;
    try {
      reply = JSON.parse(String(data)) as PushReply;
    } catch {
      return; // not ours to answer; the request it belonged to times out with the connection
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#forget(reply.id, pending);
    this.#fences?.end(pending.fence);
    pending.resolve(reply);
    if (this.#pending.size === 0) this.#drained?.();
  }

  #forget(id: number, pending: Pending): void {
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.receive) this.#receives--;
  }

  #drop(err: Error): void {
    for (const [id, pending] of this.#pending) {
      this.#forget(id, pending);
      this.#fences?.end(pending.fence);
      pending.reject(err);
    }
    this.#drained?.();
  }
}
