/** Names and settings shared by the windows crash test and its aggregator worker. */
export const windowsScenario = {
  input: 'clicks',
  output: 'clicks-per-window',
  group: 'per-window',
  partitions: 4,
  windowMs: 5_000,
  /** Producers stamp events up to `jitterMs` late, well inside this, so no event is ever late. */
  maxOutOfOrderMs: 1_000,
  jitterMs: 400,
  sessionTimeoutMs: 1_500,
  users: 30,
} as const;
