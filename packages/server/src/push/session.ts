import { ErrorCode, isSwitchyardError, type Delivery, type Queue, type ReceiveOptions } from '@switchyard/core';
import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { toErrorResponse } from '../http-errors.js';
import { deliveryToWire } from '../json-api/codec.js';
import type { Fences } from '../test-clock/fences.js';
import { FrameError, parseFrame, type ClientFrame, type FrameId, type ReceiveFrame, type SettleFrame } from './frames.js';

/** The part of a `ws` WebSocket a session writes to. */
export interface PushSocket {
  readonly readyState: number;
  send(data: string): void;
}

const OPEN = 1;

export interface SessionOptions {
  ctx: ServerContext;
  /** The upgrade request: its principal authorizes every frame. */
  request: FastifyRequest;
  /** Test-clock mode: marks each request's fence once it has begun. */
  fences?: Fences;
  /** Receives one connection may hold waiting at once. */
  maxPendingReceives: number;
}

/**
 * One push-channel connection. Frames are acted on in arrival order (each request has begun, and
 * a receive has fixed its deadline, before the next frame is read); answers go out as each
 * request finishes, so a receive that waits does not hold up an ack behind it.
 *
 * No lease is lost to a dead connection. A receive still waiting when the connection closes is
 * cancelled. Messages a receive leased but could not hand over (the connection had closed, or
 * the client cancelled the receive) are released at once, as a nack without delay that keeps
 * their last error. Messages already sent stay leased until they are settled (over this
 * connection or over HTTP: receipts are not tied to it) or their visibility timeout ends.
 */
export class PushSession {
  readonly #socket: PushSocket;
  readonly #o: SessionOptions;
  readonly #receives = new Map<FrameId, AbortController>();
  #closed = false;

  constructor(socket: PushSocket, options: SessionOptions) {
    this.#socket = socket;
    this.#o = options;
  }

  /** Receives waiting now. */
  get pendingReceives(): number {
    return this.#receives.size;
  }

  handle(text: string): void {
    let frame: ClientFrame;
    try {
      frame = parseFrame(text);
    } catch (err) {
      this.#fail(err instanceof FrameError ? err.id : null, err);
      return;
    }
    try {
      if (frame.op === 'receive') this.#receive(frame);
      else if (frame.op === 'cancel') this.#receives.get(frame.id)?.abort();
      else this.#settle(frame);
    } catch (err) {
      this.#fail(frame.id, err);
    }
    if (frame.op !== 'cancel' && typeof frame.fence === 'string') this.#o.fences?.mark(frame.fence);
  }

  /** The connection has closed: cancels the waiting receives (what they leased is released). */
  close(): void {
    this.#closed = true;
    for (const cancel of this.#receives.values()) cancel.abort();
  }

  #receive(f: ReceiveFrame): void {
    const { ctx, request } = this.#o;
    ctx.authorize(request, 'receive', f.queue);
    if (this.#receives.has(f.id)) throw new FrameError(`a receive with id ${JSON.stringify(f.id)} is already pending`, f.id);
    if (this.#receives.size >= this.#o.maxPendingReceives) throw new FrameError(`at most ${this.#o.maxPendingReceives} receives may wait on one connection`, f.id);
    const queue = ctx.broker.queue(f.queue);
    const cancel = new AbortController();
    const options: ReceiveOptions = { signal: AbortSignal.any([ctx.shutdown, cancel.signal]) };
    if (f.max !== undefined) options.max = f.max;
    if (f.waitMs !== undefined) options.waitMs = f.waitMs;
    if (f.visibilityMs !== undefined) options.visibilityMs = f.visibilityMs;
    this.#receives.set(f.id, cancel);
    ctx.metrics.waiting.inc();
    const finish = () => {
      this.#receives.delete(f.id);
      ctx.metrics.waiting.dec();
    };
    void queue.receive(options).then(
      async (messages) => {
        if (cancel.signal.aborted || this.#closed) {
          await giveBack(queue, messages);
          messages = [];
        }
        finish();
        ctx.metrics.received.inc({ queue: queue.name }, messages.length);
        this.#send({ id: f.id, messages: messages.map(deliveryToWire) });
      },
      (err: unknown) => {
        finish();
        if (isSwitchyardError(err, ErrorCode.Aborted)) this.#send({ id: f.id, messages: [] });
        else this.#fail(f.id, err);
      },
    );
  }

  #settle(f: SettleFrame): void {
    const { ctx, request } = this.#o;
    ctx.authorize(request, 'receive', f.queue);
    const queue = ctx.broker.queue(f.queue);
    let done: Promise<void>;
    if (f.op === 'ack') done = queue.ack(f.receipt);
    else if (f.op === 'extend') done = queue.extend(f.receipt, f.visibilityMs as number);
    else done = queue.nack(f.receipt, { ...(f.delayMs === undefined ? {} : { delayMs: f.delayMs }), ...(f.error === undefined ? {} : { error: f.error }) });
    void done.then(
      () => {
        if (f.op === 'ack') ctx.metrics.acked.inc({ queue: queue.name });
        this.#send({ id: f.id, ok: true });
      },
      (err: unknown) => this.#fail(f.id, err),
    );
  }

  #fail(id: FrameId | null, err: unknown): void {
    const { status, body } = toErrorResponse(err);
    if (status >= 500) this.#o.request.log.error({ err }, 'push channel request failed');
    this.#send({ id, error: body.error });
  }

  #send(frame: object): void {
    if (this.#socket.readyState === OPEN) this.#socket.send(JSON.stringify(frame));
  }
}

/** Releases messages that were leased but never handed to anyone. */
async function giveBack(queue: Queue, messages: readonly Delivery[]): Promise<void> {
  await Promise.all(messages.map((m) => queue.nack(m).catch(() => undefined)));
}
