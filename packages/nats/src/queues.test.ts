import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broker } from '@switchyard/core';
import { onPrivateServer } from '../../../tests/support/private-server.js';
import { natsKind } from '../../../tests/support/nats.js';
import { openNatsEngine } from './index.js';

/**
 * What JetStream does that the other engines do not, said plainly: a message id repeated within
 * the stream's dedup window (two minutes) is not stored again, and the send reports it.
 */
onPrivateServer('nats queues', natsKind, (server) => {

  void describe('nats queues', () => {
    it('a repeated message id is reported as a duplicate and stored once, in a batch or in a later send', async () => {
      await using broker = new Broker(await openNatsEngine({ servers: server().url, prefix: `q${process.pid}` }));
      const q = await broker.createQueue('orders');
      const batch = await q.sendBatch([{ id: 'a', body: 1 }, { id: 'b', body: 2 }, { id: 'a', body: 3 }]);
      assert.deepEqual(
        batch.map((r) => [r.id, r.duplicate]),
        [
          ['a', false],
          ['b', false],
          ['a', true],
        ],
      );
      assert.equal((await q.send({ id: 'b', body: 'again' })).duplicate, true);
      assert.equal((await q.send({ id: 'c', body: 4 })).duplicate, false);
      const got = await q.receive({ max: 10 });
      assert.deepEqual(got.map((m) => [m.id, m.body]), [
        ['a', 1],
        ['b', 2],
        ['c', 4],
      ]);
    });
  });
});
