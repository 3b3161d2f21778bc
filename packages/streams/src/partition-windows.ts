import type { StateChange, StateEntry } from '@switchyard/core';
import type { Aggregation } from './aggregations.js';
import { slidingWindows } from './sliding.js';
import { fixedWindows, sessionWindows } from './slots.js';
import { Timers } from './timers.js';
import type { Fired, KindContext, WindowKind } from './window-kind.js';
import type { WindowSpec } from './windows.js';

export interface WindowResult<R = unknown> {
  key: string;
  start: number;
  end: number;
  value: R;
  /** 0 for a window's first emission; each late record that changes it adds one. */
  revision: number;
}

export interface Settings {
  window: WindowSpec;
  agg: Aggregation<unknown, unknown, unknown>;
  /** How far behind the largest timestamp seen the watermark trails. */
  maxOutOfOrderMs: number;
  allowedLatenessMs: number;
}

const metaKey = 'meta';
const keyPrefix = 'k:';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function kindFor(spec: WindowSpec): WindowKind<unknown> {
  switch (spec.kind) {
    case 'tumbling':
    case 'hopping':
      return fixedWindows(spec) as WindowKind<unknown>;
    case 'session':
      return sessionWindows(spec) as WindowKind<unknown>;
    case 'sliding':
      return slidingWindows(spec) as WindowKind<unknown>;
  }
}

/**
 * The windows of one stream partition: per-key window state, the partition's watermark (the
 * largest timestamp seen, less `maxOutOfOrderMs`) and the timers that fire windows as it moves.
 * Everything it emits is a function of the records it was given, in order, since its checkpoint —
 * which is what lets a restarted consumer reproduce exactly what a crashed one would have.
 */
export class PartitionWindows {
  readonly #settings: Settings;
  readonly #kind: WindowKind<unknown>;
  readonly #keys = new Map<string, unknown>();
  readonly #timers = new Timers();
  /** The earliest timer pending per key, so a busy key does not push one timer per record. */
  readonly #scheduled = new Map<string, number>();
  readonly #dirty = new Set<string>();
  #maxTs = Number.NEGATIVE_INFINITY;
  #metaDirty = false;

  constructor(settings: Settings, checkpoint: readonly StateEntry[] = []) {
    this.#settings = settings;
    this.#kind = kindFor(settings.window);
    for (const { key, value } of checkpoint) {
      const json: unknown = JSON.parse(decoder.decode(value));
      if (key === metaKey) this.#maxTs = (json as { maxTs: number }).maxTs;
      else if (key.startsWith(keyPrefix)) this.#keys.set(key.slice(keyPrefix.length), json);
    }
    const ctx = this.#ctx();
    for (const [key, state] of this.#keys) this.#schedule(key, this.#kind.nextWake(state, ctx));
  }

  get watermark(): number {
    return this.#maxTs - this.#settings.maxOutOfOrderMs;
  }

  /** Keys with open windows. */
  get keys(): number {
    return this.#keys.size;
  }

  /**
   * Adds one record. Returns `late` when it fell only in windows closed for good (it changed
   * nothing), and the window results it caused: late revisions, then every window the advanced
   * watermark reached, in (end, start, key, revision) order.
   */
  process(key: string, t: number, value: unknown): { late: boolean; results: WindowResult[] } {
    const results: WindowResult[] = [];
    const added = this.#kind.add(this.#keys.get(key), t, value, this.#ctx());
    if (added === 'late') return { late: true, results };
    this.#keys.set(key, added.state);
    this.#dirty.add(key);
    collect(results, key, added.fired);
    this.#schedule(key, this.#kind.nextWake(added.state, this.#ctx()));
    if (t > this.#maxTs) {
      this.#maxTs = t;
      this.#metaDirty = true;
      this.#fireDue(results);
    }
    results.sort((a, b) => a.end - b.end || a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.revision - b.revision);
    return { late: false, results };
  }

  /** The state changes since the last checkpoint, to commit with the offsets. */
  checkpoint(partition: number): StateChange[] {
    const changes: StateChange[] = [];
    for (const key of this.#dirty) {
      const state = this.#keys.get(key);
      changes.push({ partition, key: keyPrefix + key, value: state === undefined ? null : encoder.encode(JSON.stringify(state)) });
    }
    if (this.#metaDirty) changes.push({ partition, key: metaKey, value: encoder.encode(JSON.stringify({ maxTs: this.#maxTs })) });
    this.#dirty.clear();
    this.#metaDirty = false;
    return changes;
  }

  #fireDue(results: WindowResult[]): void {
    const ctx = this.#ctx();
    for (let timer = this.#timers.popDue(ctx.watermark); timer; timer = this.#timers.popDue(ctx.watermark)) {
      if (this.#scheduled.get(timer.key) === timer.at) this.#scheduled.delete(timer.key);
      const state = this.#keys.get(timer.key);
      if (state === undefined) continue;
      const due = this.#kind.due(state, ctx);
      collect(results, timer.key, due.fired);
      this.#dirty.add(timer.key);
      if (due.state === undefined) this.#keys.delete(timer.key);
      else {
        this.#keys.set(timer.key, due.state);
        this.#schedule(timer.key, this.#kind.nextWake(due.state, ctx));
      }
    }
  }

  #schedule(key: string, at: number): void {
    const pending = this.#scheduled.get(key);
    if (!Number.isFinite(at) || (pending !== undefined && pending <= at)) return;
    this.#scheduled.set(key, at);
    this.#timers.push(at, key);
  }

  #ctx(): KindContext {
    return { watermark: this.watermark, latenessMs: this.#settings.allowedLatenessMs, agg: this.#settings.agg };
  }
}

function collect(results: WindowResult[], key: string, fired: Fired[]): void {
  for (const f of fired) results.push({ key, start: f.start, end: f.end, value: f.value, revision: f.revision });
}
