/** What the engine and its checkpointer thread share: a few counters in one SharedArrayBuffer. */
export const Slot = {
  /** Commits made by the engine; bumped and notified after each one. */
  Commits: 0,
  /** 1 once the engine closes: the thread stops. */
  Closing: 1,
  /** Checkpoints the thread has run. */
  Checkpoints: 2,
} as const;

export const slotCount = 3;

export interface CheckpointWorkerData {
  path: string;
  busyTimeoutMs: number;
  gatherMs: number;
  signal: Int32Array;
}
