import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import {
  Broker,
  ManualClock,
  isSwitchyardError,
  type Delivery,
  type Engine,
  type ErrorCode,
  type Feature,
  type MessageLimits,
  type Queue,
  type QueueOptions,
  type QueueStats,
  type SwitchyardError,
} from '@switchyard/core';

export interface ConformanceTarget {
  /** Shown in the suite's title, e.g. 'sqlite-memory'. */
  name: string;
  /** Opens a fresh, empty engine that reads time from `clock`. Called once per test. */
  open(ctx: { clock: ManualClock }): Promise<Engine>;
  /** Broker limits to use (default: core defaults). */
  limits?: Partial<MessageLimits>;
  /**
   * Makes each case's clock (default: a new ManualClock). A target whose engine keeps time
   * elsewhere — a server in another process — returns a ManualClock whose `advance` moves that
   * time too (e.g. @switchyard/remote's ServerClock).
   */
  clock?: () => ManualClock | Promise<ManualClock>;
  /**
   * Opens a second engine on the same store as `engine` (one that `open` made), as another
   * process would, for the cases about several engines sharing one store: same file, same
   * server and prefix, same schema. Targets whose store cannot be shared (a `:memory:`
   * database) leave it out, and those cases skip saying so.
   */
  peer?(ctx: { clock: ManualClock; engine: Engine }): Promise<Engine>;
}

/** What every case gets: a broker over a fresh engine, the clock that drives it, and unique names. */
export interface CaseContext {
  broker: Broker;
  engine: Engine;
  clock: ManualClock;
  target: ConformanceTarget;
  t: TestContext;
  /** A queue name no other test uses: `${stem}-<random>`. */
  name(stem?: string): string;
  /** The same, ending in `.fifo`. */
  fifoName(stem?: string): string;
  /** Creates a standard queue with a unique name. */
  queue(options?: QueueOptions, stem?: string): Promise<Queue>;
  /** Creates a FIFO queue with a unique name. */
  fifoQueue(options?: QueueOptions, stem?: string): Promise<Queue>;
  /**
   * A broker over another engine on the same store (see ConformanceTarget.peer), on the same
   * clock; closed when the case ends. Only in cases registered with `peer: true`.
   */
  peer(): Promise<Broker>;
}

export interface CaseOptions {
  /** Capabilities the case relies on; when the engine lacks one the case is skipped with its reason. */
  needs?: readonly Feature[];
  /** The case opens a second engine on the same store; targets without `peer` skip it. */
  peer?: boolean;
  /** The watchdog for a case that runs many operations on purpose (default 10 s). */
  timeoutMs?: number;
}

export type CaseBody = (c: CaseContext) => Promise<void>;

/**
 * A watchdog, not a wait: a case that hangs (say, a long poll nobody wakes) fails after this long
 * instead of stalling the run. Cases never wait on real time themselves.
 */
const caseTimeoutMs = 10_000;

/** The running case's engine features (cases in a file run one at a time). */
let currentFeatures: Engine['features'] | undefined;

/**
 * Returns a `test(title, [options], body)` that registers a node:test case: each run opens a
 * fresh engine on a new clock (the target's, or a ManualClock), wraps it in a Broker, skips (with
 * the engine's reason) when a needed capability is missing, and closes the broker afterwards even
 * if the case times out.
 */
export function caseRunner(target: ConformanceTarget) {
  function test(title: string, body: CaseBody): void;
  function test(title: string, options: CaseOptions, body: CaseBody): void;
  function test(title: string, a: CaseOptions | CaseBody, b?: CaseBody): void {
    const options = typeof a === 'function' ? {} : a;
    const body = typeof a === 'function' ? a : (b as CaseBody);
    void it(title, { timeout: options.timeoutMs ?? caseTimeoutMs }, async (t) => {
      const clock = target.clock ? await target.clock() : new ManualClock();
      const engine = await target.open({ clock });
      const broker = new Broker(engine, { ...target.limits, clock });
      // An in-memory engine on a ManualClock holds no handle, so a promise nobody settles would
      // let the event loop drain and node:test cancel every case after this one. Holding a handle
      // lets the watchdog fail just this case.
      const keepAlive = setInterval(() => undefined, caseTimeoutMs);
      const peers: Broker[] = [];
      t.after(async () => {
        clearInterval(keepAlive);
        await Promise.all(peers.map((p) => p.close()));
        await broker.close();
      });
      currentFeatures = engine.features;
      for (const feature of options.needs ?? []) {
        const capability = engine.features[feature];
        if (!capability.supported) {
          t.skip(`${target.name} lacks ${feature}: ${capability.reason}`);
          return;
        }
      }
      const openPeer = target.peer?.bind(target);
      if (options.peer && !openPeer) {
        t.skip(`${target.name} cannot open a second engine on the same store (an in-memory store is private to its engine)`);
        return;
      }
      const c: CaseContext = {
        broker,
        engine,
        clock,
        target,
        t,
        name: uniqueName,
        fifoName: (stem) => `${uniqueName(stem)}.fifo`,
        queue: (opts, stem) => broker.createQueue(uniqueName(stem ?? 'q'), opts),
        fifoQueue: (opts, stem) => broker.createQueue(`${uniqueName(stem ?? 'q')}.fifo`, opts),
        peer: async () => {
          if (!options.peer || !openPeer) throw new Error('a case that opens a peer engine must be registered with { peer: true }');
          const other = new Broker(await openPeer({ clock, engine }), { ...target.limits, clock });
          peers.push(other);
          return other;
        },
      };
      await body(c);
    });
  }
  return test;
}

/**
 * For a target's `peer`: remembers where each engine it opened keeps its store (a file, a key
 * prefix, a schema), so a second engine can be opened on the same one.
 *
 *   const stores = new StoreKeys<string>();
 *   open: async ({ clock }) => stores.remember(await openMyEngine({ prefix: p }), p),
 *   peer: ({ clock, engine }) => openMyEngine({ prefix: stores.of(engine) }),
 */
export class StoreKeys<K> {
  readonly #keys = new WeakMap<Engine, K>();

  remember<E extends Engine>(engine: E, key: K): E {
    this.#keys.set(engine, key);
    return engine;
  }

  of(engine: Engine): K {
    if (!this.#keys.has(engine)) throw new Error('this target did not open that engine');
    return this.#keys.get(engine) as K;
  }
}

export function uniqueName(stem = 'q'): string {
  return `${stem}-${randomBytes(5).toString('hex')}`;
}

/**
 * Asserts that `action` fails with a SwitchyardError of `code` and returns the error. Takes a
 * promise, or a function so that a call which throws before returning its promise is caught too.
 */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: ErrorCode, what = ''): Promise<SwitchyardError> {
  const label = what ? `${what}: ` : '';
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await (typeof action === 'function' ? action() : action) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) assert.fail(`${label}expected a SwitchyardError with code ${code}, but it succeeded with ${inspect(outcome.value)}`);
  const { error } = outcome;
  assert.ok(isSwitchyardError(error), `${label}expected a SwitchyardError with code ${code}, got ${inspect(error)}`);
  assert.equal(error.code, code, `${label}expected code ${code}, got ${error.code}: ${error.message}`);
  return error;
}

export const emptyStats: QueueStats = { ready: 0, leased: 0, delayed: 0, blocked: 0, oldestAgeMs: 0, deadLettered: 0, expired: 0 };

/**
 * The stats fields the running engine can be held to: `oldestAgeMs` only with an injected clock
 * (otherwise it moves with real time between two reads), `deadLettered` only with
 * deadLetterCounts, `expired` only with retention. Each capability's reason is in its flag.
 */
export function comparable<T extends Partial<QueueStats>>(stats: T): Partial<T> {
  const out: Partial<T> = { ...stats };
  if (currentFeatures && !currentFeatures.injectedClock.supported) delete out.oldestAgeMs;
  if (currentFeatures && !currentFeatures.deadLetterCounts.supported) delete out.deadLettered;
  if (currentFeatures && !currentFeatures.retention.supported) delete out.expired;
  return out;
}

/** Asserts the listed stats fields (the others are not checked, nor those the engine cannot count). */
export async function expectStats(queue: Queue, expected: Partial<QueueStats>, what = ''): Promise<QueueStats> {
  const stats = await queue.stats();
  const picked: Partial<QueueStats> = {};
  expected = comparable(expected);
  for (const key of Object.keys(expected) as (keyof QueueStats)[]) picked[key] = stats[key];
  assert.deepEqual(picked, expected, `${what ? `${what}: ` : ''}stats of ${queue.name} were ${inspect(stats)}`);
  return stats;
}

/** Asserts the queue holds nothing at all: no ready, leased, delayed or blocked message. */
export function expectEmpty(queue: Queue, what = ''): Promise<QueueStats> {
  return expectStats(queue, { ready: 0, leased: 0, delayed: 0, blocked: 0 }, what);
}

/** Tracks whether a promise has settled, without awaiting it. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => void (state.settled = true),
    () => void (state.settled = true),
  );
  return state;
}

/**
 * Looks until `done` holds, for up to `ms` of real time (polling every 10 ms), and returns the
 * last value seen. For what an engine still does after the clock has done its part — real I/O,
 * such as a file engine's fsync on a thread — which the injected clock cannot drive and a busy
 * machine may take a while to finish. Not a way to wait for the clock.
 */
export async function untilIoDone<T>(look: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await look();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The ids of deliveries or messages, in order. */
export function ids(messages: readonly { id: string }[]): string[] {
  return messages.map((m) => m.id);
}

/** Ids sorted, for comparing sets where the order is not part of the contract. */
export function idSet(messages: readonly { id: string }[]): string[] {
  return ids(messages).sort();
}

/** Creates a DLQ and a source queue that dead-letters into it after `maxReceives`. */
export async function withDeadLetter(broker: Broker, maxReceives: number, visibilityTimeoutMs = 60_000): Promise<{ source: Queue; dlq: Queue }> {
  const dlq = await broker.createQueue(uniqueName('dlq'));
  const source = await broker.createQueue(uniqueName('src'), { visibilityTimeoutMs, deadLetter: { queue: dlq.name, maxReceives } });
  return { source, dlq };
}

/** Receives one message from `q`, failing when there is none. */
export async function receiveOne(q: Queue, what = `a message from ${q.name}`): Promise<Delivery> {
  const [d] = await q.receive();
  assert.ok(d, `expected ${what}, got none`);
  return d;
}
