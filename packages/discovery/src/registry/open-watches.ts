/** A watch a registry client hands out: started once, closed by its holder or with the client. */
interface StartableWatch {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The watches a registry client has open: each is started (and closed again if starting fails),
 * leaves the set when it closes (`forget`, given to the watch), and all close with the client.
 */
export class OpenWatches<W extends StartableWatch> {
  readonly #all = new Set<W>();
  /** For the watch to call when it closes. */
  readonly forget = (w: W): void => void this.#all.delete(w);

  async open(w: W): Promise<W> {
    this.#all.add(w);
    try {
      await w.start();
    } catch (err) {
      await w.close();
      throw err;
    }
    return w;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#all].map((w) => w.close()));
  }
}
