import type { Clock, TimerHandle } from '@switchyard/core';
import type { Registry, ServiceSnapshot } from '@switchyard/discovery/registry';

/**
 * The long poll behind `GET /v1/registry/services/{service}?index=N&waitMs=W`: the service's
 * snapshot as soon as its index is not N, or the unchanged one after `waitMs` on the server's
 * clock, or when `signal` aborts (shutdown, client gone). "Not N" rather than "past N": should a
 * restarted server's indexes ever be below a client's old one (they start from the server's start
 * time, so only if its clock went back), the client is answered at once, not after W.
 */
export async function nextSnapshot(registry: Registry, service: string, index: number, waitMs: number, clock: Clock, signal: AbortSignal): Promise<ServiceSnapshot> {
  let latest: ServiceSnapshot | undefined;
  let wake: (() => void) | undefined;
  const watch = await registry.watch(service, (s) => {
    latest = s;
    if (s.index !== index) wake?.();
  });
  let timer: TimerHandle | undefined;
  let onAbort: (() => void) | undefined;
  try {
    if (latest!.index === index && waitMs > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        wake = onAbort = resolve;
        timer = clock.setTimer(resolve, waitMs);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    return latest!;
  } finally {
    timer?.cancel();
    if (onAbort) signal.removeEventListener('abort', onAbort);
    await watch.close();
  }
}
