/**
 * The remote engine against a server with credentials (and without a test clock): the token
 * opens both transports, refusals come back as RemoteHttpError with the server's code, and the
 * test-clock routes do not exist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isSwitchyardError, type Broker } from '@switchyard/core';
import { openRemoteBroker, RemoteHttpError, RemoteUnavailableError, ServerClock } from '@switchyard/remote';
import { uniqueName } from '@switchyard/testkit';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { RawPushClient } from './support.js';

const admin = 'ADMIN:admin-secret-123456789';
const orders = 'ORDERS:orders-secret-12345678';
let dir: string;
let server: ServerProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-remote-auth-'));
  const file = join(dir, 'auth.json');
  writeFileSync(
    file,
    JSON.stringify({
      credentials: [
        { accessKeyId: 'ADMIN', secretAccessKey: 'admin-secret-123456789', permissions: [{ actions: ['send', 'receive', 'manage'], resources: ['*'] }] },
        { accessKeyId: 'ORDERS', secretAccessKey: 'orders-secret-12345678', permissions: [{ actions: ['send', 'receive'], resources: ['orders*'] }] },
      ],
    }),
  );
  server = await startServerProcess({ args: ['--auth', file] });
});
after(async () => {
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(action: Promise<unknown>): Promise<RemoteHttpError> {
  const err = await action.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RemoteHttpError, String(err));
  assert.ok(isSwitchyardError(err, ErrorCode.HttpStatus));
  return err;
}

describe('remote engine with credentials', () => {
  let adminBroker: Broker;
  before(async () => {
    adminBroker = await openRemoteBroker({ url: server.url, token: admin });
  });
  after(() => adminBroker.close());

  it('the push channel upgrade needs the token', async () => {
    const q = await adminBroker.createQueue(uniqueName('orders'));
    await q.send({ id: 'o-1', body: 1 });
    await assert.rejects(RawPushClient.connect(server.url), /the push channel did not open/);
    const client = await RawPushClient.connect(server.url, { authorization: `Bearer ${orders}` });
    client.send({ op: 'receive', id: 1, queue: q.name });
    assert.deepEqual(((await client.answer(1)).messages as { id: string }[]).map((m) => m.id), ['o-1']);
    await client.close();
  });

  it('a token with the permissions sends, receives and acks through the engine', async () => {
    const q = await adminBroker.createQueue(uniqueName('orders'));
    const broker = await openRemoteBroker({ url: server.url, token: orders });
    try {
      const poll = broker.queue(q.name).receive({ waitMs: 10_000 });
      await broker.queue(q.name).send({ id: 'o-1', body: { total: 1 } });
      const [d] = await poll;
      assert.equal(d?.id, 'o-1');
      await broker.queue(q.name).ack(d as NonNullable<typeof d>);
      assert.equal((await q.stats()).leased, 0);
    } finally {
      await broker.close();
    }
  });

  it('without a token every call is refused with 401 UNAUTHORIZED, receives included (the push upgrade is refused too)', async () => {
    const q = await adminBroker.createQueue(uniqueName('orders'));
    const broker = await openRemoteBroker({ url: server.url });
    try {
      const listed = await refusal(broker.listQueues());
      assert.deepEqual([listed.status, listed.serverCode], [401, 'UNAUTHORIZED']);
      const received = await refusal(broker.queue(q.name).receive({ waitMs: 1_000 }));
      assert.deepEqual([received.status, received.serverCode], [401, 'UNAUTHORIZED']);
    } finally {
      await broker.close();
    }
  });

  it('a token without the permission is refused with 403 FORBIDDEN on the push channel and over HTTP', async () => {
    const payments = await adminBroker.createQueue(uniqueName('payments'));
    await payments.send({ body: 'x' });
    for (const push of [true, false]) {
      const broker = await openRemoteBroker({ url: server.url, token: orders, push });
      try {
        const err = await refusal(broker.queue(payments.name).receive({ waitMs: 1_000 }));
        assert.deepEqual([err.status, err.serverCode], [403, 'FORBIDDEN'], `push ${push}`);
        assert.match(err.message, /ORDERS may not receive payments-/);
      } finally {
        await broker.close();
      }
    }
    assert.equal((await payments.stats()).ready, 1);
  });

  it('stream calls need the same permissions: send to append, receive to read, manage to create', async () => {
    const mine = await adminBroker.createStream(uniqueName('orders'));
    const theirs = await adminBroker.createStream(uniqueName('payments'));
    const broker = await openRemoteBroker({ url: server.url, token: orders });
    try {
      await broker.stream(mine.name).append({ id: 'o-1', body: 1 });
      assert.deepEqual((await broker.stream(mine.name).read({ partition: 0, offset: 0 })).map((r) => r.id), ['o-1']);
      const create = await refusal(broker.createStream(uniqueName('orders')));
      assert.deepEqual([create.status, create.serverCode], [403, 'FORBIDDEN']);
      const read = await refusal(broker.stream(theirs.name).read({ partition: 0, offset: 0, waitMs: 1_000 }));
      assert.deepEqual([read.status, read.serverCode], [403, 'FORBIDDEN']);
      assert.match(read.message, /ORDERS may not receive payments-/);
    } finally {
      await broker.close();
    }
  });

  it('a server started without --test-clock has no /v1/_test routes, and ServerClock says so', async () => {
    const err = await ServerClock.connect(server.url, { token: admin }).catch((e: unknown) => e);
    assert.ok(err instanceof RemoteUnavailableError, String(err));
    assert.match(err.message, /the server has no test clock: start it with `switchyard server --test-clock`/);
    const reset = await fetch(`${server.url}/v1/_test/reset`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(reset.status, 404);
  });
});
