import { InvalidArgumentError, systemClock, type Clock } from '@switchyard/core';
import { DeadlineList, type DeadlineEntry } from './deadline-list.js';
import { TimeoutError } from './errors.js';
import { PolicyBase, neverAborted, onAbort, runIn, type ExecuteContext, type Task } from './policy.js';
import { checkPositive } from './validate.js';

export const TimeoutStrategy = {
  /** Abort the task's signal at the deadline and wait for the task to settle. */
  Cooperative: 'cooperative',
  /** Abort the task's signal at the deadline and reject at once; the task is abandoned. */
  Aggressive: 'aggressive',
} as const;
export type TimeoutStrategy = (typeof TimeoutStrategy)[keyof typeof TimeoutStrategy];

export interface TimeoutOptions {
  /** Deadline for each call, in ms (> 0). */
  ms: number;
  /** Default `cooperative`. */
  strategy?: TimeoutStrategy;
  clock?: Clock;
}

/**
 * Bounds a call in time. The task gets a signal of its own that aborts, with a `TimeoutError` as
 * its reason, at the deadline or when the caller's signal aborts (with the caller's reason).
 *
 * Contract: when the deadline passes, the call rejects with `TimeoutError` (the task's own error,
 * if it had one, as `cause`) — at once if aggressive, once the task settles if cooperative — even
 * if a cooperative task manages to resolve after its deadline. An abort by the caller is not a
 * timeout: the call settles as the task does (aggressive: rejects at once with the caller's reason).
 */
export class TimeoutPolicy extends PolicyBase {
  readonly ms: number;
  readonly strategy: TimeoutStrategy;
  readonly #deadlines: DeadlineList;

  constructor(options: TimeoutOptions) {
    super();
    this.ms = checkPositive('timeout.ms', options.ms);
    this.strategy = options.strategy ?? TimeoutStrategy.Cooperative;
    if (this.strategy !== 'cooperative' && this.strategy !== 'aggressive') {
      throw new InvalidArgumentError('timeout.strategy', `must be "cooperative" or "aggressive", got ${String(this.strategy)}`);
    }
    this.#deadlines = new DeadlineList(options.clock ?? systemClock, this.ms);
  }

  [runIn]<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    return this.strategy === 'aggressive' ? this.#aggressive(fn, ctx) : this.#cooperative(fn, ctx);
  }

  async #cooperative<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    // The context is its own deadline entry: no timer, closure or handle per call.
    const call = new TimedContext(ctx, this.ms);
    this.#deadlines.add(call);
    try {
      const value = await fn(call);
      if (call.timedOut) throw new TimeoutError(this.ms);
      return value;
    } catch (err) {
      if (call.timedOut && !(err instanceof TimeoutError)) throw new TimeoutError(this.ms, { cause: err });
      throw err;
    } finally {
      this.#deadlines.remove(call);
      call.dispose();
    }
  }

  #aggressive<T>(fn: Task<T>, ctx: ExecuteContext): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      const call = new TimedContext(ctx, this.ms);
      let done = false;
      const finish = () => {
        done = true;
        this.#deadlines.remove(call);
        unlink();
        call.dispose();
      };
      call.onExpired = (err) => {
        if (done) return;
        finish();
        reject(err);
      };
      this.#deadlines.add(call);
      const unlink = onAbort(ctx.signal, () => {
        if (done) return;
        call.abort(ctx.signal.reason, false);
        finish();
        reject(ctx.signal.reason);
      });
      // The abandoned task's late outcome is dropped on purpose (and its rejection handled here,
      // so it is never reported as unhandled).
      (async () => fn(call))().then(
        (v) => {
          if (done) return;
          finish();
          resolve(v);
        },
        (e: unknown) => {
          if (done) return;
          finish();
          reject(e);
        },
      );
    });
  }
}

/**
 * The context a timed task sees. Its AbortController is made only if the task reads `signal`:
 * creating one costs more than the rest of the policy, and most tasks that finish in time never
 * look. A controller made after an abort starts aborted with the same reason.
 */
class TimedContext implements ExecuteContext, DeadlineEntry {
  readonly attempt: number;
  timedOut = false;
  /** Called after the deadline aborted the call (aggressive calls reject here). */
  onExpired: ((err: TimeoutError) => void) | undefined;
  // DeadlineEntry's links, owned by the policy's DeadlineList.
  at = 0;
  prev: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  list: DeadlineList | undefined;
  readonly #ms: number;
  readonly #parent: AbortSignal;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #unlink: (() => void) | undefined;

  constructor(parent: ExecuteContext, ms: number) {
    this.attempt = parent.attempt;
    this.#parent = parent.signal;
    this.#ms = ms;
  }

  /** The deadline passed while the call ran. */
  expire(): void {
    const err = new TimeoutError(this.#ms);
    this.abort(err, true);
    this.onExpired?.(err);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const c = new AbortController();
      this.#controller = c;
      if (this.#aborted) c.abort(this.#reason);
      else if (this.#parent.aborted) c.abort(this.#parent.reason);
      else if (this.#parent !== neverAborted) this.#unlink = onAbort(this.#parent, () => this.abort(this.#parent.reason, false));
    }
    return this.#controller.signal;
  }

  abort(reason: unknown, timedOut: boolean): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.timedOut = timedOut;
    this.#controller?.abort(reason);
  }

  dispose(): void {
    this.#unlink?.();
  }
}
