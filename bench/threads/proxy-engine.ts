/**
 * Experiment (issue 2): how fast could the e2e path go with the SQLite work on a thread of its
 * own and lean statements? The real `Broker` and `Queue` run on the main thread over this
 * engine, which hands sends, leases and acks to sql-worker.ts once per event-loop turn (bodies
 * packed into one transferred buffer each way). Only what queue.e2e uses is here: one queue, no
 * FIFO, delays, DLQ or topics; a long poll that finds nothing waits for the next commit of sends.
 *
 * PROTO_ELU=1 prints both threads' event-loop utilisation at the end and, now and then, the
 * worker's busy time per leased message; PROTO_FULL=1 has the worker return whole rows (the
 * engine's lease) instead of lean ones; PROTO_CACHE caps the worker's content cache (entries).
 */
import { Worker } from 'node:worker_threads';
import { features } from '../../packages/sqlite/dist/features.js';
import { UnsupportedError, type Delivery, type EncodedBody, type Engine, type EnqueueEntry, type EnqueueResult, type LeaseRequest, type QueueInfo, type QueueOptions } from '@switchyard/core';
import type { Batch, Committed, Durable } from './protocol.js';

type Waiting<T> = { resolve: (v: T) => void; reject: (e: unknown) => void };

export class ProxyEngine implements Engine {
  readonly name = 'sqlite-worker-proto';
  readonly features = features;
  readonly #worker: Worker;
  #batch: Batch & { parts: Uint8Array[]; size: number } = fresh();
  #scheduled = false;
  #token = 0;
  readonly #sends = new Map<number, Waiting<EnqueueResult[]> & { ids: string[] }>();
  readonly #leases = new Map<number, Waiting<Delivery<EncodedBody>[]> & { request: LeaseRequest }>();
  readonly #acks = new Map<number, Waiting<void>>();
  /** Long polls that found nothing, retried at the next commit that stored a message. */
  #idle: (() => void)[] = [];

  constructor(path: string) {
    this.#worker = new Worker(new URL('./sql-worker.mjs', import.meta.url), { workerData: { path } });
    this.#worker.on('message', (m: Committed | Durable) => (m.kind === 'committed' ? this.#committed(m) : this.#durable(m)));
  }

  readonly queues = {
    enqueue: (_queue: string, entries: readonly EnqueueEntry[]) =>
      new Promise<EnqueueResult[]>((resolve, reject) => {
        const token = ++this.#token;
        const s = { token, ids: [] as string[], types: [] as string[], kinds: [] as number[], ts: [] as number[], headers: [] as (string | null)[], lens: [] as number[] };
        for (const e of entries) {
          s.ids.push(e.id);
          s.types.push(e.type);
          s.kinds.push(e.body.kind);
          s.ts.push(e.timestamp);
          s.headers.push(Object.keys(e.headers).length === 0 ? null : JSON.stringify(e.headers));
          s.lens.push(e.body.data.byteLength);
          this.#batch.parts.push(e.body.data);
          this.#batch.size += e.body.data.byteLength;
        }
        this.#batch.sends.push(s);
        this.#sends.set(token, { resolve, reject, ids: s.ids });
        this.#schedule();
      }),
    lease: (_queue: string, request: LeaseRequest) =>
      new Promise<Delivery<EncodedBody>[]>((resolve, reject) => {
        this.#lease({ resolve, reject, request });
      }),
    remove: (_queue: string, receipt: string) =>
      new Promise<void>((resolve, reject) => {
        const dot = receipt.indexOf('.');
        const token = ++this.#token;
        this.#batch.acks.push({ token, seq: Number(receipt.slice(0, dot)), lease: Number(receipt.slice(dot + 1)) });
        this.#acks.set(token, { resolve, reject });
        this.#schedule();
      }),
    release: unsupported,
    extendLease: unsupported,
    moveToDeadLetter: unsupported,
    redrive: unsupported,
    purge: unsupported,
    peek: unsupported,
    stats: unsupported,
  };

  readonly topics = { publish: unsupported };

  readonly admin = {
    // The worker made the one queue when it opened the file; the answer is what e2e asks for.
    createQueue: (name: string, o: Required<QueueOptions>): Promise<QueueInfo> => Promise.resolve({ ...o, name, fifo: name.endsWith('.fifo'), createdAt: Date.now() } as unknown as QueueInfo),
    updateQueue: unsupported,
    deleteQueue: unsupported,
    getQueue: unsupported,
    listQueues: unsupported,
    listDeadLetterSources: unsupported,
    createTopic: unsupported,
    deleteTopic: unsupported,
    listTopics: unsupported,
    subscribe: unsupported,
    unsubscribe: unsupported,
    listSubscriptions: unsupported,
  };

  async close(): Promise<void> {
    if (process.env.PROTO_ELU) console.error('elu main', performance.eventLoopUtilization().utilization.toFixed(2), 'worker', this.#worker.performance.eventLoopUtilization().utilization.toFixed(2));
    await this.#worker.terminate();
  }

  #lease(w: Waiting<Delivery<EncodedBody>[]> & { request: LeaseRequest }): void {
    const token = ++this.#token;
    this.#batch.leases.push({ token, max: w.request.max, visibilityMs: w.request.visibilityMs ?? 30_000 });
    this.#leases.set(token, w);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const b = this.#batch;
      this.#batch = fresh();
      const bodies = new Uint8Array(b.size);
      let at = 0;
      for (const p of b.parts) {
        bodies.set(p, at);
        at += p.byteLength;
      }
      const msg: Batch = { sends: b.sends, bodies: bodies.buffer, leases: b.leases, acks: b.acks };
      this.#worker.postMessage(msg, [bodies.buffer]);
    });
  }

  #committed(m: Committed): void {
    if (m.stored > 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const again of idle) again();
    }
    let off = 0;
    for (const l of m.leases) {
      const w = this.#leases.get(l.token);
      this.#leases.delete(l.token);
      if (!w) continue;
      if (l.seqs.length === 0 && w.request.waitMs > 0) {
        this.#idle.push(() => this.#lease(w));
        continue;
      }
      const out: Delivery<EncodedBody>[] = [];
      for (let i = 0; i < l.seqs.length; i++) {
        const len = l.lens[i] as number;
        out.push({
          id: l.ids[i] as string,
          type: l.types[i] as string,
          body: { kind: l.kinds[i] as EncodedBody['kind'], data: new Uint8Array(m.bodies, off, len) },
          headers: l.headers[i] ? (JSON.parse(l.headers[i] as string) as Record<string, string>) : {},
          timestamp: l.ts[i] as number,
          queue: 'bench',
          receipt: `${l.seqs[i]}.${l.lease}`,
          attempt: l.receives[i] as number,
          enqueuedAt: l.ts[i] as number,
          firstReceivedAt: Date.now(),
        } as Delivery<EncodedBody>);
        off += len;
      }
      w.resolve(out);
    }
  }

  #durable(m: Durable): void {
    for (const [token, ...seqs] of m.sent) {
      const w = this.#sends.get(token as number);
      this.#sends.delete(token as number);
      w?.resolve(w.ids.map((id, i) => ({ id, duplicate: false, sequence: String(seqs[i]).padStart(20, '0') })));
    }
    for (const token of m.acked) {
      this.#acks.get(token)?.resolve();
      this.#acks.delete(token);
    }
  }
}

function fresh(): Batch & { parts: Uint8Array[]; size: number } {
  return { sends: [], bodies: new ArrayBuffer(0), leases: [], acks: [], parts: [], size: 0 };
}

function unsupported(): Promise<never> {
  return Promise.reject(new UnsupportedError('proto', 'not in the experiment'));
}
