import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock, TimerHandle } from '@switchyard/core';
import type { StreamNames } from './names.js';

/** Above this many partitions one wildcard subscription replaces one per partition. */
const perPartitionLimit = 16;

/**
 * Listens for the announcements an engine publishes after a partition's append was acked (see
 * PartitionLog.append), so a long poll wakes as soon as a record it can read is stored, without
 * polling. Start listening before looking at the partitions: an append announced in between is
 * remembered and ends the next wait at once.
 */
export class AppendWatch {
  readonly #subs: Subscription[] = [];
  #announced = false;
  #wake: (() => void) | undefined;

  constructor(nc: NatsConnection, names: StreamNames, id: string, partitions: ReadonlySet<number>) {
    const callback = () => {
      this.#announced = true;
      this.#wake?.();
    };
    if (partitions.size <= perPartitionLimit) {
      for (const p of partitions) this.#subs.push(nc.subscribe(names.appended(id, p), { callback }));
    } else {
      const wildcard = names.appended(id, 0).replace(/\.0$/, '.*');
      const at = wildcard.length - 1;
      this.#subs.push(nc.subscribe(wildcard, {
          callback: (_err, m) => {
            if (partitions.has(Number(m.subject.slice(at)))) callback();
          },
        }));
    }
  }

  /** Resolves when an append was announced since the last call, at `until` on the clock, or when `signal` aborts. */
  next(clock: Clock, until: number, signal: AbortSignal): Promise<void> {
    if (this.#announced || signal.aborted) {
      this.#announced = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        timer.cancel();
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        this.#announced = false;
        resolve();
      };
      const timer: TimerHandle = clock.setTimer(done, until - clock.now());
      this.#wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    for (const s of this.#subs) s.unsubscribe();
  }
}
