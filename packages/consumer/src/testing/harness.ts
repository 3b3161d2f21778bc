/**
 * Test helpers (not part of the package's build): an in-memory broker on a ManualClock, a
 * logger that keeps its lines, deferred promises, and `eventually`, which lets queued I/O-free
 * work and SQLite group commits run (setImmediate rounds) until a condition holds — it never
 * waits on wall-clock time.
 */
import { ManualClock, settle, type Broker, type Delivery } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';
import { pino } from 'pino';
import type { HandlerContext, Settlement } from '../handler.js';
import type { Logger } from '../logger.js';

export interface TestBroker extends AsyncDisposable {
  broker: Broker;
  clock: ManualClock;
}

export async function testBroker(): Promise<TestBroker> {
  const clock = new ManualClock();
  const broker = await openBroker({ clock });
  return { broker, clock, [Symbol.asyncDispose]: () => broker.close() };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending work run until `check` passes; fails after `rounds` rounds of setImmediate. */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'condition', rounds = 500): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await check()) return;
    await settle(2);
  }
  throw new Error(`${what} did not hold after ${rounds} rounds`);
}

/** Ready, leased and delayed counts of a queue. */
export async function counts(broker: Broker, queue: string): Promise<{ ready: number; leased: number; delayed: number }> {
  const s = await broker.queue(queue).stats();
  return { ready: s.ready, leased: s.leased, delayed: s.delayed };
}

/** A context for calling a middleware directly, without a consumer; records settlements. */
export function fakeContext(broker: Broker, clock: ManualClock, overrides: Partial<HandlerContext> = {}): HandlerContext & { settlements: Settlement[] } {
  const settlements: Settlement[] = [];
  const settle = (s: Settlement) => async () => void settlements.push(s);
  return {
    signal: new AbortController().signal,
    broker,
    queue: broker.queue('fake'),
    clock,
    logger: memoryLogger().logger,
    correlationId: 'corr-1',
    ack: settle('ack'),
    nack: settle('nack'),
    deadLetter: settle('dead-letter'),
    settled: () => settlements[0],
    settlements,
    ...overrides,
  };
}

export function fakeDelivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: 'm-1',
    type: 'test',
    body: { n: 1 },
    headers: {},
    timestamp: 0,
    queue: 'fake',
    receipt: 'r',
    attempt: 1,
    enqueuedAt: 0,
    ...overrides,
  };
}

/** Runs `fn` and resolves with what it threw (undefined when it succeeded). */
export async function failureOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err;
  }
}
