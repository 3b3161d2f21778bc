/** Shared pieces of the benchmarks: latency histograms, result lines, memory peaks. */
import { build, type Histogram } from 'hdr-histogram-js';

export interface Result {
  name: string;
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  [extra: string]: unknown;
}

/** Latencies in microseconds, reported in milliseconds. */
export class Latency {
  readonly #h: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.#h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.#h.totalCount;
  }

  summary(): { p50_ms: number; p90_ms: number; p99_ms: number; p999_ms: number; max_ms: number } {
    const q = (p: number) => round(this.#h.getValueAtPercentile(p) / 1000);
    return { p50_ms: q(50), p90_ms: q(90), p99_ms: q(99), p999_ms: q(99.9), max_ms: round(this.#h.maxValue / 1000) };
  }
}

/** The process's peak resident memory so far, in MB (each benchmark runs in its own process). */
export function peakRssMb(): number {
  return round(process.resourceUsage().maxRSS / 1024);
}

export function emit(result: Result): void {
  console.log(JSON.stringify({ ...result, peak_rss_mb: result.peak_rss_mb ?? peakRssMb() }));
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Milliseconds from a monotonic clock. */
export function nowMs(): number {
  return performance.now();
}

/** Counts permits; `acquire` waits for a free one. */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(permits: number) {
    this.#free = permits;
  }
  get free(): number {
    return this.#free;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((r) => this.#waiting.push(r));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
