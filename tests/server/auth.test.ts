/**
 * Credentials and permissions: SigV4 verified on the SQS endpoint (signed by the real AWS SDK),
 * bearer tokens on the JSON API, and refusal to listen beyond loopback without credentials.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startServer } from '@switchyard/server';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { tempFiles } from '../support/temp-files.js';

const admin = { accessKeyId: 'ADMIN', secretAccessKey: 'admin-secret-0123456789' };
const producer = { accessKeyId: 'ORDERS-PRODUCER', secretAccessKey: 'producer-secret-0123456789' };
let server: ServerProcess;
// The credentials file (secrets) lives in a directory of its own, removed after the tests.
const { dir } = tempFiles('auth');

before(async () => {
  const file = join(dir, 'auth.json');
  writeFileSync(
    file,
    JSON.stringify({
      credentials: [
        { ...admin, permissions: [{ actions: ['send', 'receive', 'manage'], resources: ['*'] }] },
        { ...producer, permissions: [{ actions: ['send'], resources: ['orders*'] }] },
      ],
    }),
  );
  server = await startServerProcess({ args: ['--auth', file] });
});
after(async () => {
  await server.stop();
  server.cleanup();
});

const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });

async function rejects(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    return true;
  });
}

describe('auth', () => {
  it('accepts SigV4-signed SQS calls within the credential\'s permissions', async () => {
    const a = client(admin);
    const { QueueUrl } = await a.send(new CreateQueueCommand({ QueueName: 'orders-1' }));
    const p = client(producer);
    const sent = await p.send(new SendMessageCommand({ QueueUrl, MessageBody: 'signed' }));
    assert.ok(sent.MessageId);
    const got = await a.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(got.Messages?.[0]?.Body, 'signed');
  });

  it('refuses actions and resources outside the permissions with AccessDenied', async () => {
    const a = client(admin);
    const { QueueUrl } = await a.send(new CreateQueueCommand({ QueueName: 'billing' }));
    const p = client(producer);
    await rejects(p.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'AccessDenied');
    await rejects(p.send(new ReceiveMessageCommand({ QueueUrl: QueueUrl?.replace('billing', 'orders-1') })), 'AccessDenied');
    await rejects(p.send(new ListQueuesCommand({})), 'AccessDenied');
  });

  it('refuses a wrong secret, an unknown key and an unsigned request', async () => {
    await rejects(client({ accessKeyId: admin.accessKeyId, secretAccessKey: 'wrong-secret-000000000' }).send(new ListQueuesCommand({})), 'SignatureDoesNotMatch');
    await rejects(client({ accessKeyId: 'NOBODY', secretAccessKey: 'whatever-secret-000000' }).send(new ListQueuesCommand({})), 'InvalidClientTokenId');
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { __type: string }).__type, 'com.amazonaws.sqs#MissingAuthenticationToken');
  });

  it('checks bearer tokens on the JSON API: 401 without, 403 outside the permissions', async () => {
    const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    assert.equal((await call(undefined, 'GET', '/v1/queues')).status, 401);
    assert.equal((await call('ADMIN:not-the-secret', 'GET', '/v1/queues')).status, 401);
    assert.equal((await call(`${admin.accessKeyId}:${admin.secretAccessKey}`, 'GET', '/v1/queues')).status, 200);
    const token = `${producer.accessKeyId}:${producer.secretAccessKey}`;
    assert.equal((await call(token, 'POST', '/v1/queues/orders-1/messages', { messages: [{ body: 'ok' }] })).status, 200);
    const denied = await call(token, 'POST', '/v1/queues/orders-1/receive', {});
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    assert.equal((await call(undefined, 'GET', '/healthz')).status, 200, 'health checks need no credentials');
  });

  it('will not listen beyond loopback without credentials', async () => {
    await assert.rejects(startServer({ host: '0.0.0.0', port: 0, dataDir: join(dir, 'refused') }), /only listens on loopback/);
  });
});
