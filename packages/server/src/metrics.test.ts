import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Broker } from '@switchyard/core';
import { SqliteEngine } from '@switchyard/sqlite';
import { createMetrics } from './metrics.js';

describe('Prometheus metrics', () => {
  const engine = new SqliteEngine({ path: ':memory:' });
  const broker = new Broker(engine);
  const metrics = createMetrics(broker);
  after(() => broker.close());

  it("reads each queue's stats once per scrape, and afresh for the next", async () => {
    const a = await broker.createQueue('a');
    await broker.createQueue('b');
    await a.sendBatch([{ body: 1 }, { body: 2 }]);
    await a.receive();

    const before = engine.commitStats.ops;
    const first = await metrics.registry.metrics();
    const engineCalls = engine.commitStats.ops - before;
    // One stats call per queue (two), plus at most the listing; the six queue gauges share them.
    assert.ok(engineCalls <= 3, `a scrape made ${engineCalls} engine calls`);
    assert.match(first, /switchyard_queue_ready_messages\{queue="a"\} 1\n/);
    assert.match(first, /switchyard_queue_inflight_messages\{queue="a"\} 1\n/);
    assert.match(first, /switchyard_queue_ready_messages\{queue="b"\} 0\n/);

    await a.send({ body: 3 });
    const second = await metrics.registry.metrics();
    assert.match(second, /switchyard_queue_ready_messages\{queue="a"\} 2\n/);
  });
});
