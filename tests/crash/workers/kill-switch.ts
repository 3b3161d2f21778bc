import { Broker, type Engine } from '@switchyard/core';

export interface KillSwitch {
  /** Chance of dying right after the engine accepted a send: between publish and mark. */
  afterEnqueue?: number;
  /** Chance of dying right before an ack reaches the engine: between commit and ack. */
  beforeRemove?: number;
  /** Told what happened, just before dying (an O_APPEND log line survives the kill). */
  onDeath?: (what: string) => void;
}

/**
 * The same engine behind a broker that SIGKILLs its own process at the moments a crash hurts
 * most, so the crash tests reach them every run instead of hoping a random kill lands there.
 */
export function withKillSwitch(broker: Broker, k: KillSwitch): Broker {
  const e = broker.engine;
  const die = (what: string) => {
    k.onDeath?.(what);
    process.kill(process.pid, 'SIGKILL');
  };
  const engine = {
    name: e.name,
    features: e.features,
    topics: e.topics,
    admin: e.admin,
    queues: {
      ...e.queues,
      enqueue: async (queue, entries) => {
        const result = await e.queues.enqueue(queue, entries);
        if (Math.random() < (k.afterEnqueue ?? 0)) die('killed-after-publish');
        return result;
      },
      remove: async (queue, receipt) => {
        if (Math.random() < (k.beforeRemove ?? 0)) die('killed-before-ack');
        return e.queues.remove(queue, receipt);
      },
    },
    close: () => e.close(),
  } as Engine;
  return new Broker(engine, { clock: broker.clock });
}
