/**
 * A read-through cache for settings kept in a broker (a KV bucket, a management API). Past half
 * its age an entry is read again in the background while it is still served; past `maxAgeMs`
 * callers wait for that read, and concurrent callers share it. So a busy key never stalls on its
 * value, and none is served older than `maxAgeMs` plus one read. A write made through `set` or
 * `forget` wins over any read that began before it.
 */
export class ReadThroughCache<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  readonly #reading = new Map<string, Promise<V>>();
  /** Bumped by every write, so a read that began before it does not overwrite it. */
  #writes = 0;

  constructor(
    private readonly read: (key: string) => Promise<V>,
    private readonly maxAgeMs: number,
  ) {}

  /** The cached value, refreshed as described above; `fresh` reads the source now. */
  get(key: string, fresh = false): Promise<V> {
    if (fresh) return this.#read(key);
    const hit = this.#entries.get(key);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && age < this.maxAgeMs / 2) return Promise.resolve(hit.value);
    let reading = this.#reading.get(key);
    if (!reading) {
      reading = this.#read(key);
      this.#reading.set(key, reading);
      const done = () => this.#reading.get(key) === reading && this.#reading.delete(key);
      reading.then(done, done);
    }
    if (hit && age < this.maxAgeMs) {
      reading.catch(() => undefined);
      return Promise.resolve(hit.value);
    }
    return reading;
  }

  /** Records a value just written to the source. */
  set(key: string, value: V): void {
    this.#writes++;
    this.#entries.set(key, { value, at: Date.now() });
  }

  /** Drops the entry (the next get reads the source). */
  forget(key: string): void {
    this.#writes++;
    this.#entries.delete(key);
  }

  async #read(key: string): Promise<V> {
    const writes = this.#writes;
    const value = await this.read(key);
    if (writes === this.#writes) this.#entries.set(key, { value, at: Date.now() });
    return value;
  }
}
