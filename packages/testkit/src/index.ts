/**
 * The Switchyard conformance suite: the reference semantics (DESIGN.md) as node:test cases that
 * any engine runs.
 *
 *   // packages/my-engine/tests/conformance.test.ts
 *   import { runConformance } from '@switchyard/testkit';
 *   runConformance({ name: 'my-engine', open: ({ clock }) => openMyEngine({ clock }) });
 *
 * Each case opens a fresh engine on its own ManualClock, drives time only through that clock,
 * and skips, with the engine's stated reason, when a capability it needs is flagged unsupported.
 * A target that can open a second engine on the same store (same file, server and prefix,
 * schema) gives `peer` too, and the cases about several engines on one store run against it:
 *
 *   const stores = new StoreKeys<string>();
 *   runConformance({
 *     name: 'my-engine',
 *     open: async ({ clock }) => stores.remember(await openMyEngine({ clock, prefix: p }), p),
 *     peer: ({ clock, engine }) => openMyEngine({ clock, prefix: stores.of(engine) }),
 *   });
 */
import { describe } from 'node:test';
import { ackCases } from './ack.js';
import { adminCases } from './admin.js';
import { badArgumentCases } from './bad-arguments.js';
import { badInputCases } from './bad-input.js';
import { deadLetterCases } from './dead-letter.js';
import { delayCases } from './delays.js';
import { fifoDedupCases } from './fifo-dedup.js';
import { fifoCases } from './fifo.js';
import type { ConformanceTarget } from './harness.js';
import { inspectCases } from './inspect.js';
import { longPollCases } from './long-poll.js';
import { queueBasicsCases } from './queue-basics.js';
import { randomRunCases } from './random-runs.js';
import { redriveCases } from './redrive.js';
import { retentionCases } from './retention.js';
import { sharedStoreCases } from './shared-store.js';
import { topicFilterCases } from './topic-filters.js';
import { topicCases } from './topics.js';
import { streamBadInputCases } from './streams/bad-input.js';
import { streamBasicsCases } from './streams/basics.js';
import { streamGroupCases } from './streams/groups.js';
import { streamLongPollCases } from './streams/long-poll.js';
import { streamOffsetCases } from './streams/offsets.js';
import { streamRetentionCases } from './streams/retention.js';
import { streamTimestampCases } from './streams/timestamps.js';
import { streamTransactionCases } from './streams/transactions.js';
import { visibilityCases } from './visibility.js';

export type { CaseContext, CaseOptions, ConformanceTarget } from './harness.js';
export { caseRunner, expectCode, expectStats, StoreKeys, uniqueName } from './harness.js';
export { follow as followPartition } from './streams/support.js';

/** Every group of cases, in the order they run. */
export const conformanceGroups: readonly ((target: ConformanceTarget) => void)[] = [
  queueBasicsCases,
  ackCases,
  visibilityCases,
  delayCases,
  longPollCases,
  deadLetterCases,
  redriveCases,
  fifoCases,
  fifoDedupCases,
  topicCases,
  topicFilterCases,
  retentionCases,
  inspectCases,
  adminCases,
  randomRunCases,
  badInputCases,
  badArgumentCases,
  streamBasicsCases,
  streamLongPollCases,
  streamTimestampCases,
  streamGroupCases,
  streamOffsetCases,
  streamTransactionCases,
  streamRetentionCases,
  streamBadInputCases,
  sharedStoreCases,
];

/** Registers the whole suite against `target` with node:test. */
export function runConformance(target: ConformanceTarget): void {
  void describe(`switchyard conformance: ${target.name}`, () => {
    for (const group of conformanceGroups) group(target);
  });
}
