/**
 * Test helpers (not part of the package's build): temp dirs for real SQLite files, a broker on
 * a ManualClock, a logger that keeps its lines, and `eventually`, which lets pending I/O-free
 * work and group commits run (setImmediate rounds) until a condition holds — never wall-clock
 * waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@switchyard/consumer';
import { ManualClock, settle, type Broker } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';

export interface TempDir extends Disposable {
  path: string;
  file(name: string): string;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'switchyard-outbox-test-'));
  return { path, file: (name) => join(path, name), [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestBroker extends AsyncDisposable {
  broker: Broker;
  clock: ManualClock;
}

/** A broker in memory on a ManualClock (or on `clock`). */
export async function testBroker(clock = new ManualClock()): Promise<TestBroker> {
  const broker = await openBroker({ clock });
  return { broker, clock, [Symbol.asyncDispose]: () => broker.close() };
}

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger keeping its lines; `onLine` sees each as it is written. */
export function memoryLogger(lines: LogLine[] = [], onLine?: (line: LogLine) => void): Logger & { lines: LogLine[] } {
  const make = (bindings: Record<string, unknown>): Logger & { lines: LogLine[] } => {
    const at = (level: string) => (fields: Record<string, unknown>, msg = '') => {
      const line = { level, msg, fields: { ...bindings, ...fields } };
      lines.push(line);
      onLine?.(line);
    };
    return { lines, child: (b) => make({ ...bindings, ...b }), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  };
  return make({});
}

/** Lets pending work run until `check` passes; fails after `rounds` rounds of setImmediate. */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'condition', rounds = 1000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await check()) return;
    await settle(2);
  }
  throw new Error(`${what} did not hold after ${rounds} rounds`);
}

/** Every message of a queue in delivery order, without leasing. */
export async function peekAll(broker: Broker, queue: string): Promise<{ id: string; key?: string; body: unknown; type: string; headers: Record<string, string> }[]> {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await broker.queue(queue).peek({ max: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.messages);
    cursor = page.next;
  } while (cursor);
  return out;
}

/** Collects items pushed by callbacks (hooks, handlers) and waits, without polling, until enough came. */
export class Collector<T> {
  readonly items: T[] = [];
  #waiters: { check: (items: T[]) => boolean; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check(this.items)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `check(items)` holds; `what` names it if the test times out. */
  until(check: (items: T[]) => boolean, what = 'items'): Promise<void> {
    if (check(this.items)) return Promise.resolve();
    return new Promise<void>((resolve) => this.#waiters.push({ check, resolve: () => resolve() })).then(() => void what);
  }
}
