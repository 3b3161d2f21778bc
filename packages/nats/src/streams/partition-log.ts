import { JetStreamApiError, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { StreamEntry } from '@switchyard/core';
import type { StreamNames } from './names.js';
import { emptyTail, encodeRecord, nextEntry, parseLog, tailAfter, type LogEntry, type Tail } from './record.js';

/** A partition's readable range: offsets `[start, end)`. */
export interface Bounds {
  start: number;
  end: number;
}

/** JetStream's answers to a failed expectation: wrong last sequence, wrong last message id. */
const conflictCodes = new Set([10070, 10071, 10164]);
/** Log entries kept in memory (records never change, so an entry read once is good forever). */
const cacheSize = 50_000;

/**
 * One JetStream stream per partition (limits retention, file storage, direct get): sequence
 * `n` is offset `n - 1`, and retention removes a prefix with a purge, so offsets stay dense and
 * `start` is the stream's first sequence minus one.
 */
export class PartitionLog {
  readonly #tails = new Map<string, Tail>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #logs = new Map<string, LogEntry>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: StreamNames,
  ) {}

  async bounds(id: string, partition: number): Promise<Bounds> {
    const { state } = await this.jsm.streams.info(this.names.partition(id, partition));
    return { start: state.messages === 0 ? state.last_seq : state.first_seq - 1, end: state.last_seq };
  }

  /** The record at `offset`, or null when retention removed it. */
  async message(id: string, partition: number, offset: number): Promise<StoredMsg | null> {
    const m = await this.jsm.direct.getMessage(this.names.partition(id, partition), { seq: offset + 1 });
    if (m) this.#remember(id, partition, m.seq, parseLog(m));
    return m;
  }

  /** The log entry of the record at `offset`, or null when retention removed it. */
  async entry(id: string, partition: number, offset: number): Promise<LogEntry | null> {
    const hit = this.#logs.get(`${this.names.partition(id, partition)}/${offset + 1}`);
    if (hit) return hit;
    const m = await this.message(id, partition, offset);
    return m ? parseLog(m) : null;
  }

  /** Bytes held in `[start, end)`, as counted for `maxBytes`; null when the range moved meanwhile. */
  async bytes(id: string, partition: number, b: Bounds): Promise<number | null> {
    if (b.start === b.end) return 0;
    const [first, last] = await Promise.all([this.entry(id, partition, b.start), this.entry(id, partition, b.end - 1)]);
    if (!first || !last) return null;
    return last.before + last.size - first.before;
  }

  /**
   * Appends entries in order and returns their offsets. Each publish states what it follows —
   * the first the partition's last sequence, the others also the previous record's id — so the
   * server refuses a record whose running values were computed on a stale tail (another engine
   * appended meanwhile, or an earlier record of the batch was refused or was a duplicate); the
   * engine then reads the tail again and carries on from the first record not stored. A record
   * already stored (a retried append, by message id within the 2-minute window) keeps its first
   * offset. Appends to one partition from this engine run one at a time.
   */
  append(id: string, partition: number, entries: readonly StreamEntry[], appendedAt: number): Promise<number[]> {
    const key = this.names.partition(id, partition);
    const run = (this.#queues.get(key) ?? Promise.resolve()).then(() => this.#append(id, partition, entries, appendedAt));
    const settled = run.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  /** Forgets what is cached about a partition stream (it was deleted). */
  forget(id: string, partitions: number): void {
    for (let p = 0; p < partitions; p++) this.#tails.delete(this.names.partition(id, p));
  }

  async #append(id: string, partition: number, entries: readonly StreamEntry[], appendedAt: number): Promise<number[]> {
    const key = this.names.partition(id, partition);
    const subject = this.names.subject(id, partition);
    const offsets: number[] = [];
    let tail = this.#tails.get(key) ?? (await this.#loadTail(id, partition));
    let i = 0;
    try {
      while (i < entries.length) {
        const logs: LogEntry[] = [];
        const acks = [];
        let t = tail;
        for (let k = i; k < entries.length; k++) {
          const e = entries[k] as StreamEntry;
          const log = nextEntry(t, e, appendedAt);
          const { data, headers } = encodeRecord(e, log);
          const expect = k === i ? { lastSubjectSequence: t.held ? t.lastSeq : 0 } : { lastSubjectSequence: t.lastSeq, lastMsgID: (entries[k - 1] as StreamEntry).id };
          acks.push(this.js.publish(subject, data, { msgID: e.id, expect, headers }));
          logs.push(log);
          t = tailAfter(t.lastSeq + 1, log);
        }
        const results = await Promise.allSettled(acks);
        let refused: unknown;
        for (const [j, r] of results.entries()) {
          if (r.status === 'rejected') {
            refused = r.reason;
            break;
          }
          offsets[i] = r.value.seq - 1;
          i++;
          // A duplicate stored nothing now, so the records chained after it were refused.
          if (!r.value.duplicate) {
            const log = logs[j] as LogEntry;
            this.#remember(id, partition, r.value.seq, log);
            tail = tailAfter(r.value.seq, log);
          }
        }
        this.#tails.set(key, tail);
        if (i < entries.length) {
          if (refused !== undefined && !isConflict(refused)) throw refused;
          tail = await this.#loadTail(id, partition);
        }
      }
    } catch (err) {
      this.#tails.delete(key);
      throw err;
    }
    if (entries.length > 0) this.nc.publish(this.names.appended(id, partition));
    return offsets;
  }

  async #loadTail(id: string, partition: number): Promise<Tail> {
    for (;;) {
      const { start, end } = await this.bounds(id, partition);
      if (start === end) return emptyTail(end);
      const last = await this.entry(id, partition, end - 1);
      // Retention removed it between the two calls: look again.
      if (last) return tailAfter(end, last);
    }
  }

  #remember(id: string, partition: number, seq: number, log: LogEntry): void {
    if (this.#logs.size >= cacheSize) {
      const oldest = this.#logs.keys().next();
      if (!oldest.done) this.#logs.delete(oldest.value);
    }
    this.#logs.set(`${this.names.partition(id, partition)}/${seq}`, log);
  }
}

function isConflict(err: unknown): boolean {
  return err instanceof JetStreamApiError && conflictCodes.has(err.code);
}
