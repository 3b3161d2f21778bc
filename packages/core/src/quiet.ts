/**
 * Resolves once `inFlight()` has read 0 on three turns of the event loop in a row: nothing is
 * under way with the server, and nothing just resolved has started more. Engines that keep state
 * in a server offer it as `settled()`, which tests that drive an injected clock await after
 * moving time (see tests/engines/settled-clock.ts).
 */
export async function untilQuiet(inFlight: () => number): Promise<void> {
  for (let quiet = 0; quiet < 3; ) {
    await new Promise<void>((r) => setImmediate(r));
    quiet = inFlight() === 0 ? quiet + 1 : 0;
  }
}
