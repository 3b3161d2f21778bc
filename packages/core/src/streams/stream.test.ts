import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '../broker.js';
import { ManualClock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import { Feature, supported, unsupported, type Features } from '../engine/features.js';
import { checkStreamName, resolveConsumerOptions, resolveStreamOptions } from './options.js';
import { prepareStreamEntries } from './prepare.js';
import { resolveMessageLimits } from '../prepare.js';

function engineWithout(reason: string): Engine {
  const features = Object.fromEntries(Object.values(Feature).map((f) => [f, supported])) as Record<Feature, Features[Feature]>;
  features.streams = unsupported(reason);
  return { name: 'fake', features, close: async () => undefined } as unknown as Engine;
}

describe('the Stream facade', () => {
  it('refuses every stream call on an engine without streams, with the engine\'s reason', async () => {
    const broker = new Broker(engineWithout('no log storage in this engine'));
    await assert.rejects(broker.createStream('s'), { code: 'UNSUPPORTED', message: /no log storage in this engine/ });
    const s = broker.stream('s');
    await assert.rejects(s.append({ body: 1 }), { code: 'UNSUPPORTED' });
    await assert.rejects(s.read({ partition: 0, offset: 0 }), { code: 'UNSUPPORTED' });
    await assert.rejects(s.consumer('g').poll(), { code: 'UNSUPPORTED' });
    await assert.rejects(broker.listStreams(), { code: 'UNSUPPORTED' });
  });

  it('fills in stream defaults and names the field it refuses', () => {
    assert.deepEqual(resolveStreamOptions(), { partitions: 1, retention: { maxAgeMs: 7 * 24 * 3600_000, maxBytes: null } });
    assert.deepEqual(resolveStreamOptions({ partitions: 12, retention: { maxAgeMs: null, maxBytes: 4096 } }), { partitions: 12, retention: { maxAgeMs: null, maxBytes: 4096 } });
    assert.throws(() => resolveStreamOptions({ partitions: 0 }), { code: 'INVALID_ARGUMENT', message: /^partitions: must be an integer from 1 to 1024/ });
    assert.throws(() => resolveStreamOptions({ retention: { maxAgeMs: 10 } }), { code: 'INVALID_ARGUMENT', message: /^retention\.maxAgeMs:/ });
    assert.throws(() => resolveStreamOptions({ retention: { maxBites: 1 } } as never), { code: 'INVALID_ARGUMENT', message: /^retention\.maxBites: is not a known setting/ });
  });

  it('follows Kafka\'s topic-name rules for streams', () => {
    for (const ok of ['clicks', 'a.b_c-9', 'x'.repeat(249)]) assert.equal(checkStreamName(ok), ok);
    for (const bad of ['', '.', '..', 'a b', 'x'.repeat(250), 'a/b', 7]) assert.throws(() => checkStreamName(bad), { code: 'INVALID_NAME' });
  });

  it('heartbeats three times per session by default', () => {
    const o = resolveConsumerOptions({ sessionTimeoutMs: 9_000 });
    assert.deepEqual([o.strategy, o.start, o.sessionTimeoutMs, o.heartbeatIntervalMs], ['sticky', 'latest', 9_000, 3_000]);
    assert.throws(() => resolveConsumerOptions({ sessionTimeoutMs: 9_000, heartbeatIntervalMs: 9_001 }), { code: 'INVALID_ARGUMENT' });
  });

  it('turns messages into stream entries, refusing what only queues have', () => {
    const limits = resolveMessageLimits();
    const clock = new ManualClock();
    const [a, b] = prepareStreamEntries([{ body: 1, key: 'k' }, { body: 2, partition: 3 }], limits, clock);
    assert.equal(a?.key, 'k');
    assert.equal(a?.partition, undefined);
    assert.equal(b?.partition, 3);
    assert.equal(a?.timestamp, clock.now());
    assert.throws(() => prepareStreamEntries([{ body: 1, delayMs: 10 } as never], limits, clock), { message: /delayMs: a stream record cannot be delayed/ });
  });
});
