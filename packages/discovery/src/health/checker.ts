/**
 * Runs an active probe against every instance of a service and writes the verdict into the
 * registry. It can run anywhere (beside the registry, in a sidecar, in a client); several
 * checkers of one service agree as far as their probes do.
 *
 * Verdicts per instance: a passing probe makes it `passing` after `successesBeforePassing` in a
 * row; a probe that says `warning` makes it `warning`; a failed probe (critical, thrown, timed
 * out) makes it `warning` at first and `critical` after `failuresBeforeCritical` in a row. A
 * draining instance is not probed, and a verdict never overrides `draining`.
 */
import { InvalidArgumentError, isSwitchyardError, systemClock, type Clock, type TimerHandle } from '@switchyard/core';
import type { Health, Instance, ServiceSnapshot } from '../instance.js';
import { Emitter } from '../listeners.js';
import type { Registry, Watch } from '../registry/registry.js';
import { checkCount, checkName, checkPositive } from '../validate.js';
import type { Probe } from './probe.js';

export interface HealthCheckerOptions {
  registry: Registry;
  service: string;
  probe: Probe;
  /** Time between the end of one check of an instance and the start of the next (default 10 000 ms). */
  intervalMs?: number;
  /** A probe still running after this long has failed (default 2000 ms, less than intervalMs). */
  timeoutMs?: number;
  /** Failed checks in a row before `critical` (default 3). */
  failuresBeforeCritical?: number;
  /** Passing checks in a row before `passing` again (default 1). */
  successesBeforePassing?: number;
  clock?: Clock;
}

export interface CheckEvent {
  instance: Instance;
  /** The verdict after this check. */
  health: Health;
  note: string;
  /** Whether the verdict was written (it changed, and the instance was not draining). */
  written: boolean;
  /** Why writing the verdict failed (the registry was unreachable); it is tried again next check. */
  writeError?: unknown;
}

interface Target {
  instance: Instance;
  failures: number;
  successes: number;
  timer: TimerHandle | undefined;
  running: boolean;
  gone: boolean;
}

export class HealthChecker implements AsyncDisposable {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly failuresBeforeCritical: number;
  readonly successesBeforePassing: number;
  readonly #registry: Registry;
  readonly #service: string;
  readonly #probe: Probe;
  readonly #clock: Clock;
  readonly #targets = new Map<string, Target>();
  readonly #events = new Emitter<CheckEvent>();
  #watch: Watch | undefined;
  #closed = false;

  constructor(options: HealthCheckerOptions) {
    this.#registry = options.registry;
    this.#service = checkName('service', options.service);
    if (typeof options.probe !== 'function') throw new InvalidArgumentError('healthChecker.probe', 'must be a function');
    this.#probe = options.probe;
    this.intervalMs = checkPositive('healthChecker.intervalMs', options.intervalMs ?? 10_000);
    this.timeoutMs = checkPositive('healthChecker.timeoutMs', options.timeoutMs ?? Math.min(2000, this.intervalMs));
    if (this.timeoutMs > this.intervalMs) {
      throw new InvalidArgumentError('healthChecker.timeoutMs', `must not exceed intervalMs (${this.intervalMs}), got ${this.timeoutMs}`);
    }
    this.failuresBeforeCritical = checkCount('healthChecker.failuresBeforeCritical', options.failuresBeforeCritical ?? 3);
    this.successesBeforePassing = checkCount('healthChecker.successesBeforePassing', options.successesBeforePassing ?? 1);
    this.#clock = options.clock ?? systemClock;
  }

  /** Every check's outcome. */
  onCheck(listener: (e: CheckEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /** Starts watching the service; each instance is first checked at once, then every interval. */
  async start(): Promise<void> {
    if (this.#watch || this.#closed) return;
    this.#watch = await this.#registry.watch(this.#service, (s) => this.#sync(s));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#targets.values()) this.#drop(t);
    this.#targets.clear();
    await this.#watch?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sync(snapshot: ServiceSnapshot): void {
    if (this.#closed) return;
    const seen = new Set<string>();
    for (const inst of snapshot.instances) {
      seen.add(inst.id);
      const t = this.#targets.get(inst.id);
      if (!t) {
        const target: Target = { instance: inst, failures: 0, successes: 0, timer: undefined, running: false, gone: false };
        this.#targets.set(inst.id, target);
        this.#schedule(target, 0);
      } else if (inst.registeredAt !== t.instance.registeredAt) {
        // Registered again (a restart): judge the new process from scratch.
        Object.assign(t, { instance: inst, failures: 0, successes: 0 });
      } else {
        t.instance = inst;
      }
    }
    for (const [id, t] of this.#targets) {
      if (!seen.has(id)) {
        this.#drop(t);
        this.#targets.delete(id);
      }
    }
  }

  #schedule(t: Target, ms: number): void {
    if (t.gone || this.#closed) return;
    t.timer = this.#clock.setTimer(() => void this.#check(t), ms);
    t.timer.unref?.();
  }

  async #check(t: Target): Promise<void> {
    t.timer = undefined;
    if (t.gone || t.running) return;
    if (t.instance.health === 'draining') return this.#schedule(t, this.intervalMs);
    t.running = true;
    const ac = new AbortController();
    const timeout = this.#clock.setTimer(() => ac.abort(new Error(`health check timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    let ok: boolean | 'warning';
    let note: string;
    try {
      const r = await Promise.race([this.#probe(t.instance, ac.signal), aborted(ac.signal)]);
      ok = r.health === 'passing' ? true : r.health === 'warning' ? 'warning' : false;
      note = r.note ?? r.health;
    } catch (err) {
      ok = false;
      note = err instanceof Error ? err.message : String(err);
    } finally {
      timeout.cancel();
      t.running = false;
    }
    if (t.gone || this.#closed) return;
    const health = this.#verdict(t, ok);
    let written = false;
    let writeError: unknown;
    // Read again: the instance may have changed (or started draining) while the probe ran.
    const current = t.instance.health as Health;
    if (health !== current && current !== 'draining') {
      try {
        written = await this.#registry.setHealth(this.#service, t.instance.id, health, { note });
      } catch (err) {
        // Gone meanwhile: the watch will drop it. Anything else is reported and tried next time.
        if (!isSwitchyardError(err, 'INSTANCE_NOT_FOUND')) writeError = err;
      }
    }
    this.#events.emit({ instance: t.instance, health, note, written, ...(writeError === undefined ? {} : { writeError }) });
    this.#schedule(t, this.intervalMs);
  }

  #verdict(t: Target, ok: boolean | 'warning'): Health {
    if (ok === true) {
      t.failures = 0;
      t.successes++;
      return t.successes >= this.successesBeforePassing ? 'passing' : t.instance.health;
    }
    t.successes = 0;
    if (ok === 'warning') {
      t.failures = 0;
      return 'warning';
    }
    t.failures++;
    return t.failures >= this.failuresBeforeCritical ? 'critical' : 'warning';
  }

  #drop(t: Target): void {
    t.gone = true;
    t.timer?.cancel();
  }
}

/** Rejects when the signal aborts, so a probe that ignores its signal still times out. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
}
