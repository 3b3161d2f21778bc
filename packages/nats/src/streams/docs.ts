import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/** A JSON document and the KV revision it was read at (0: the key never held a value). */
export interface Doc<T> {
  value: T | undefined;
  revision: number;
}

/** What a change function decides: a new value to store (or none, to store nothing) and what to return. */
export interface Change<T, R> {
  value?: T;
  result: R;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON documents in a JetStream KV bucket, changed only by compare-and-set on the revision that
 * was read (`Nats-Expected-Last-Subject-Sequence`), so concurrent processes never lose each
 * other's writes: a writer that lost the race reads again and decides again.
 */
export class Docs {
  readonly #open: () => Promise<KV>;
  #kv: Promise<KV> | undefined;

  constructor(open: () => Promise<KV>) {
    this.#open = open;
  }

  /** Whether this engine has used the bucket yet. */
  get opened(): boolean {
    return this.#kv !== undefined;
  }

  /** The bucket, created on first use (an engine that never touches a stream never makes it). */
  kv(): Promise<KV> {
    this.#kv ??= this.#open().catch((err: unknown) => {
      this.#kv = undefined;
      throw err;
    });
    return this.#kv;
  }

  async read<T>(key: string): Promise<Doc<T>> {
    const e = await (await this.kv()).get(key);
    if (!e) return { value: undefined, revision: 0 };
    if (e.operation !== 'PUT' || e.value.length === 0) return { value: undefined, revision: e.revision };
    return { value: JSON.parse(decoder.decode(e.value)) as T, revision: e.revision };
  }

  /** Stores `value` if the key is still at `revision`; false when another writer got there first. */
  async write<T>(key: string, value: T, revision: number): Promise<boolean> {
    const kv = await this.kv();
    const data = encoder.encode(JSON.stringify(value));
    try {
      if (revision === 0) await kv.create(key, data);
      else await kv.update(key, data, revision);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Reads, lets `decide` compute the change, and stores it with compare-and-set, again from the
   * top whenever another writer changed the document in between.
   */
  async mutate<T, R>(key: string, decide: (current: T | undefined) => Change<T, R> | Promise<Change<T, R>>): Promise<R> {
    for (;;) {
      const doc = await this.read<T>(key);
      const change = await decide(doc.value);
      if (change.value === undefined || (await this.write(key, change.value, doc.revision))) return change.result;
    }
  }

  async keys(filter: string): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await (await this.kv()).keys(filter)) out.push(k);
    return out.sort();
  }

  /** Removes a key and its history; with `revision`, only if it is still at that revision (false otherwise). */
  async remove(key: string, revision?: number): Promise<boolean> {
    try {
      await (await this.kv()).purge(key, revision === undefined ? {} : { previousSeq: revision });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }
}

export function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
