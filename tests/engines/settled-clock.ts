import { ManualClock } from '@switchyard/core';

/** An engine whose work after a clock move can be awaited. */
export interface Settles {
  settled(): Promise<void>;
}

/**
 * A ManualClock for engines that keep their state in a server. `advance` fires due timers as
 * ManualClock does, then waits until the engine has no request in flight, so what the move set
 * off (a lease waking, a rate-limited redrive taking its next step) has reached the server
 * before the test looks. ManualClock alone lets only a few event-loop turns pass, which is
 * enough for an in-process engine but not for a network round trip. The conformance harness
 * allows this: a target may supply its own clock (ConformanceTarget.clock).
 */
export class SettledClock extends ManualClock {
  engine: Settles | undefined;

  override async advance(ms: number): Promise<void> {
    await super.advance(ms);
    await this.engine?.settled();
  }
}
