import {
  isSwitchyardError,
  type Delivery,
  type EncodedBody,
  type EnqueueEntry,
  type EnqueueResult,
  type LeaseRequest,
  type PeekPage,
  type PeekRequest,
  type QueueEngine,
  type QueueStats,
  type RedriveOptions,
  type RedriveResult,
  type SwitchyardError,
} from '@switchyard/core';
import { queuePath, type RemoteContext } from './context.js';
import { errorFromDetail, type ErrorDetail } from './errors.js';
import { lease } from './lease.js';
import { ChannelLostError } from './push-channel.js';
import { entriesToJson, peekedFromWire, type WireMessage } from './wire.js';

/**
 * The queue contract over the JSON API. Ack, nack and extend go over the push channel when it is
 * already open (never opening it just to settle), else over HTTP. If the channel drops before
 * answering, the call is repeated over HTTP: harmless for ack and extend; a nack that had in fact
 * landed is then reported as RECEIPT_EXPIRED.
 */
export class RemoteQueues implements QueueEngine {
  readonly #ctx: RemoteContext;

  constructor(ctx: RemoteContext) {
    this.#ctx = ctx;
  }

  async enqueue(queue: string, entries: readonly EnqueueEntry[]): Promise<EnqueueResult[]> {
    const r = await this.#call<{ results: EnqueueResult[] }>('POST', queuePath(queue, '/messages'), { json: entriesToJson(entries) });
    return r.results;
  }

  lease(queue: string, request: LeaseRequest, signal?: AbortSignal): Promise<Delivery<EncodedBody>[]> {
    return lease(this.#ctx, queue, request, signal);
  }

  async remove(queue: string, receipt: string): Promise<void> {
    await this.#settle({ op: 'ack', queue, receipt }, async () => {
      const r = await this.#call<{ results: { ok: boolean; error?: ErrorDetail }[] }>('POST', queuePath(queue, '/ack'), { body: { receipts: [receipt] } });
      const [first] = r.results;
      if (first && !first.ok) throw errorFromDetail(this.#ctx.http.url, first.error);
    });
  }

  /** One HTTP request for the lot (the JSON API's ack takes a list), never the push channel. */
  async removeBatch(queue: string, receipts: readonly string[]): Promise<(SwitchyardError | undefined)[]> {
    const r = await this.#call<{ results: { ok: boolean; error?: ErrorDetail }[] }>('POST', queuePath(queue, '/ack'), { body: { receipts } });
    return receipts.map((_, i) => {
      const result = r.results[i];
      if (result?.ok) return undefined;
      const err = errorFromDetail(this.#ctx.http.url, result?.error);
      if (isSwitchyardError(err)) return err;
      throw err;
    });
  }

  async release(queue: string, receipt: string, options: { delayMs: number; error?: string }): Promise<void> {
    const body = { receipt, delayMs: options.delayMs, ...(options.error === undefined ? {} : { error: options.error }) };
    await this.#settle({ op: 'nack', queue, ...body }, () => this.#call('POST', queuePath(queue, '/nack'), { body }));
  }

  async extendLease(queue: string, receipt: string, visibilityMs: number): Promise<void> {
    await this.#settle({ op: 'extend', queue, receipt, visibilityMs }, () => this.#call('POST', queuePath(queue, '/extend'), { body: { receipt, visibilityMs } }));
  }

  async moveToDeadLetter(queue: string, receipt: string, options: { error?: string }): Promise<void> {
    await this.#call('POST', queuePath(queue, '/dead-letter'), { body: { receipt, ...options } });
  }

  /**
   * Runs on the server. A rate-limited redrive may take long, so it has no request timeout.
   * Aborting stops waiting for it here, but the server carries on until done (its route stops
   * only when the server shuts down).
   */
  async redrive(deadLetterQueue: string, options: RedriveOptions, signal?: AbortSignal): Promise<RedriveResult> {
    const holdMs = options.maxPerSecond === undefined ? undefined : Number.POSITIVE_INFINITY;
    return this.#call<RedriveResult>('POST', queuePath(deadLetterQueue, '/redrive'), { body: options, ...(signal ? { signal } : {}), ...(holdMs ? { holdMs } : {}) });
  }

  async purge(queue: string): Promise<number> {
    return (await this.#call<{ purged: number }>('POST', queuePath(queue, '/purge'))).purged;
  }

  async peek(queue: string, request: PeekRequest): Promise<PeekPage> {
    const query = `?max=${request.max}${request.cursor === undefined ? '' : `&cursor=${encodeURIComponent(request.cursor)}`}`;
    const page = await this.#call<{ messages: WireMessage[]; next?: string }>('GET', queuePath(queue, `/peek${query}`));
    const messages = page.messages.map(peekedFromWire);
    return page.next === undefined ? { messages } : { messages, next: page.next };
  }

  async stats(queue: string): Promise<QueueStats> {
    return this.#call<QueueStats>('GET', queuePath(queue, '/stats'));
  }

  #call<T>(method: string, path: string, options?: Parameters<RemoteContext['http']['call']>[2]): Promise<T> {
    this.#ctx.life.checkOpen();
    return this.#ctx.http.call<T>(method, path, options);
  }

  async #settle(frame: Record<string, unknown>, overHttp: () => Promise<unknown>): Promise<void> {
    this.#ctx.life.checkOpen();
    const push = this.#ctx.push;
    const socket = push?.open;
    if (push && socket) {
      try {
        const reply = await push.request(socket, frame).reply;
        if (reply.error) throw errorFromDetail(this.#ctx.http.url, reply.error);
        return;
      } catch (err) {
        if (!(err instanceof ChannelLostError)) throw err;
      }
    }
    await overHttp();
  }
}
