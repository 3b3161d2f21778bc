import { after, before, describe, it } from 'node:test';

/** What a tests/support module offers for one kind of server. */
export interface ServerKind<S extends { stop(): Promise<void> }> {
  /** How a skipped test names it: "a real Redis server". */
  what: string;
  available(): boolean;
  skipReason: string;
  start(): Promise<S | undefined>;
}

/**
 * A private server for one test file: started before its tests and stopped after them. Without
 * the server's binary the file registers, instead of its cases, one test named `title` skipped
 * with the reason. `cases` registers the tests; `server()` returns the running server (and
 * throws if it did not start).
 */
export function onPrivateServer<S extends { stop(): Promise<void> }>(title: string, kind: ServerKind<S>, cases: (server: () => S) => void): void {
  if (!kind.available()) {
    void describe(title, () => void it(`runs against ${kind.what}`, (t) => t.skip(kind.skipReason)));
    return;
  }
  let running: S | undefined;
  before(async () => {
    running = await kind.start();
  });
  after(() => running?.stop());
  cases(() => {
    if (!running) throw new Error(`${kind.what} did not start`);
    return running;
  });
}
