import type { Logger } from '@switchyard/consumer';
import type { Clock, TimerHandle } from '@switchyard/core';
import type { Pool, PoolClient } from 'pg';

/**
 * Holds one pooled connection LISTENing on `channel` and calls `onNotify` for each
 * notification. A connection that fails is dropped and replaced after `retryMs`; each
 * (re)connection calls `onNotify` once, to catch up with commits made while nobody listened.
 * Resolves to a function that stops listening and gives the connection back (destroyed, so no
 * LISTEN state leaks into the pool).
 */
export async function listen(pool: Pool, channel: string, onNotify: () => void, clock: Clock, logger: Logger, retryMs = 1000): Promise<() => Promise<void>> {
  let client: PoolClient | undefined;
  let stopped = false;
  let timer: TimerHandle | undefined;
  const quoted = `"${channel.replace(/"/g, '""')}"`;

  const released = new WeakSet<PoolClient>();
  const drop = (c: PoolClient, err?: unknown) => {
    if (client === c) client = undefined;
    if (released.has(c)) return;
    released.add(c);
    c.removeAllListeners('notification');
    c.release(err instanceof Error ? err : true);
  };
  const retry = () => {
    if (stopped) return;
    timer = clock.setTimer(() => void connect(), retryMs);
    timer.unref?.();
  };
  const connect = async () => {
    if (stopped) return;
    let c: PoolClient | undefined;
    try {
      c = await pool.connect();
      const mine = c;
      c.on('notification', (n) => n.channel === channel && onNotify());
      c.on('error', (err) => {
        if (released.has(mine)) return;
        logger.warn({ err, channel }, 'the LISTEN connection failed; reconnecting');
        drop(mine, err);
        retry();
      });
      await c.query(`LISTEN ${quoted}`);
      if (stopped) return drop(c);
      client = c;
      onNotify();
    } catch (err) {
      logger.warn({ err, channel }, 'cannot LISTEN; retrying (the sweep still finds new rows)');
      if (c) drop(c, err);
      retry();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    timer?.cancel();
    const c = client;
    if (!c) return;
    await c.query(`UNLISTEN ${quoted}`).catch(() => undefined);
    drop(c);
  };
}
