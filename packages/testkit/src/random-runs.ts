import { describe } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import type { Broker, ManualClock } from '@switchyard/core';
import { caseRunner, type ConformanceTarget } from './harness.js';
import { operations, runShape, type RunShape } from './model/operations.js';
import { runAgainstModel } from './model/run.js';

/**
 * Runs per case. Each is a fresh queue and up to 60 operations; SWITCHYARD_MODEL_RUNS raises it
 * for a long hunt (and SWITCHYARD_MODEL_SEED replays the seed a failure printed). Engines without
 * an injected clock run fewer: their drains wait for empty receives in real time.
 */
function runs(clock: boolean): number {
  return askedRuns() ?? (clock ? 25 : 6);
}

function askedRuns(): number | undefined {
  const asked = Number(process.env.SWITCHYARD_MODEL_RUNS);
  return Number.isInteger(asked) && asked > 0 ? asked : undefined;
}

/**
 * On a broker's own clock a run takes 1–2 s (its drains wait for empty receives; measured:
 * RabbitMQ 200 runs in 325 s, NATS 40 in 43 s); the watchdog allows 6 s a run for a loaded machine.
 */
const timeoutMs = Math.max(120_000, (askedRuns() ?? 0) * 6_000);

/**
 * Random runs of sends, receives, acks, nacks, extends, dead-lettering, purges, stats and clock
 * steps on a standard queue, each answer checked against a model of the reference semantics
 * (model/queue-model.ts). The other groups pin each rule alone; this one finds the interleavings
 * nobody wrote down. A new seed every run; a failure prints its seed and the shrunk operations.
 */
export function randomRunCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('random runs against a model', () => {
    test('every answer of a random run of queue operations agrees with the model of a standard queue', { timeoutMs }, async ({ broker, clock, engine }) => {
      await check(broker, clock, runShape(engine.features));
    });

    test('every answer of a random run of operations on a FIFO queue agrees with the model: group order, one lease per group, deduplication', { needs: ['fifo'], timeoutMs }, async ({ broker, clock, engine }) => {
      await check(broker, clock, runShape(engine.features, true));
    });
  });
}

async function check(broker: Broker, clock: ManualClock, shape: RunShape): Promise<void> {
  const property = fc.asyncProperty(fc.array(operations(shape), { minLength: 1, maxLength: 60, size: 'max' }), (ops) => runAgainstModel(broker, clock, shape, ops));
  const seed = Number(process.env.SWITCHYARD_MODEL_SEED);
  const outcome = await fc.check(property, Number.isInteger(seed) ? { numRuns: runs(shape.clock), seed } : { numRuns: runs(shape.clock) });
  // The shrunk run and its seed, then what the engine did wrong (node:test prints no cause).
  if (outcome.failed) throw new Error(`${fc.defaultReportMessage(outcome)}\n${inspect(outcome.errorInstance)}`);
}
