import fc from 'fast-check';
import type { Features } from '@switchyard/core';

/**
 * One step of a random run on a standard queue (see run.ts). Operations on a receipt pick one of
 * the run's past deliveries: `live` prefers a lease that has not ended, if there is one.
 */
export type Operation =
  | { op: 'send'; count: number; delayMs: number }
  | { op: 'receive'; max: number; visibilityMs: number | undefined }
  | { op: 'ack'; pick: number; live: boolean }
  | { op: 'nack'; pick: number; live: boolean; delayMs: number }
  | { op: 'extend'; pick: number; live: boolean; ms: number }
  | { op: 'poison'; pick: number; live: boolean }
  | { op: 'advance'; ms: number }
  | { op: 'stats' }
  | { op: 'purge' };

/** What the engine lets a run do: without an injected clock, no time passes and no lease ends. */
export interface RunShape {
  clock: boolean;
  delays: boolean;
  deadLetter: boolean;
}

export function runShape(features: Features): RunShape {
  const clock = features.injectedClock.supported;
  return { clock, delays: clock && features.delays.supported, deadLetter: features.deadLetter.supported };
}

/**
 * The operations an engine with `shape` can run, weighted towards what moves messages. Without a
 * clock, leases are at least a minute (so none ends in real time during a run) or zero.
 */
export function operations(shape: RunShape): fc.Arbitrary<Operation> {
  const pick = fc.nat();
  const live = fc.boolean();
  const delay = shape.delays ? fc.constantFrom(0, 0, 1_000, 5_000) : fc.constant(0);
  const leaseMs = shape.clock ? fc.constantFrom(0, 2_000, 8_000, 30_000) : fc.constantFrom(0, 60_000, 120_000);
  const arms: fc.WeightedArbitrary<Operation>[] = [
    { weight: 5, arbitrary: fc.record({ op: fc.constant('send' as const), count: fc.integer({ min: 1, max: 3 }), delayMs: delay }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('receive' as const), max: fc.integer({ min: 1, max: 5 }), visibilityMs: fc.option(leaseMs, { nil: undefined, freq: 2 }) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('ack' as const), pick, live }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('nack' as const), pick, live, delayMs: delay }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('extend' as const), pick, live, ms: leaseMs }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('purge' as const) }) },
  ];
  // Not on a broker's own clock: RabbitMQ's stats stop its consumer to count exactly, and a
  // quorum queue returns a delivery on its way to a stopped consumer counting it as a receive (see
  // the RabbitMQ README), which a run would see as an attempt too many. Their stats cases are in
  // inspect.ts.
  if (shape.clock) arms.push({ weight: 1, arbitrary: fc.record({ op: fc.constant('stats' as const) }) });
  if (shape.deadLetter) arms.push({ weight: 1, arbitrary: fc.record({ op: fc.constant('poison' as const), pick, live }) });
  if (shape.clock) arms.push({ weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 100, max: 12_000 }) }) });
  return fc.oneof(...arms);
}
