// A windowed aggregation (tumbling count per key) run as one member of the group, stepping
// until it is killed. Usage: aggregator.ts <db> <durability> <memberId or ''>
import { openBroker } from '@switchyard/sqlite';
import { count, tumbling, WindowedAggregation } from '@switchyard/streams';
import { windowsScenario as w } from './windows-scenario.js';

const [path, durability, memberId] = process.argv.slice(2) as [string, 'fsync' | 'relaxed', string];
const broker = await openBroker({ path, durability });
const aggregation = new WindowedAggregation(broker.stream(w.input), {
  group: w.group,
  window: tumbling(w.windowMs),
  aggregate: count(),
  maxOutOfOrderMs: w.maxOutOfOrderMs,
  emit: { stream: w.output },
  // Batches of varying size, so kills land at different points of a step.
  maxBatch: 10 + Math.floor(Math.random() * 190),
  consumer: { sessionTimeoutMs: w.sessionTimeoutMs, ...(memberId ? { memberId } : {}) },
});
await aggregation.step({ waitMs: 100 });
// Joined and through a first step: the test picks its moment to kill from here.
process.stdout.write('ready\n');
for (;;) await aggregation.step({ waitMs: 100 });
