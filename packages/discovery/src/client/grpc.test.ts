import { ManualClock, isSwitchyardError } from '@switchyard/core';
import { TimeoutError, constantBackoff, type RetryEvent } from '@switchyard/resilience';
import { status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GrpcStatusError } from '../errors.js';
import { MemoryRegistry } from '../registry/memory.js';
import { echoMethod, fail, stall, startGrpcServer, type TestGrpcServer } from '../testing/grpc-servers.js';
import { until } from '../testing/http-servers.js';
import { GrpcClient, type GrpcClientOptions } from './grpc.js';

const servers: TestGrpcServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

let seq = 0;
async function setup(members: TestGrpcServer[], options: Partial<GrpcClientOptions> = {}) {
  const service = `grpc-${++seq}`;
  const registry = new MemoryRegistry();
  for (const m of members) await registry.register({ id: m.id, service, address: { host: '127.0.0.1', port: m.port } }, { ttlMs: 1e9 });
  const client = new GrpcClient({ registry, retry: { backoff: constantBackoff(0) }, ...options });
  const retries: RetryEvent[] = [];
  client.onRetry((e) => retries.push(e));
  return { service, registry, client, retries };
}

async function server(id: string) {
  const s = await startGrpcServer(id);
  servers.push(s);
  return s;
}

test('unary calls go to a service by name, balanced over its instances', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, service } = await setup([a, b]);
  const replies = [];
  for (let i = 0; i < 4; i++) replies.push(await client.unary(service, echoMethod, { text: `hi ${i}` }));
  assert.deepEqual(replies.map((r) => r.id).sort(), ['a', 'a', 'b', 'b']);
  assert.equal(replies[0]!.echo, 'hi 0');
  await client.close();
});

test('UNAVAILABLE is retried on another instance when the call is idempotent', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, service, retries } = await setup([a, b]);
  a.queue(fail(status.UNAVAILABLE));
  const reply = await client.unary(service, echoMethod, { text: 'x' }, { idempotent: true });
  assert.equal(reply.id, 'b');
  assert.equal(retries.length, 1);
  await client.close();
});

test('a call that is not idempotent is not retried, and fails with GRPC_STATUS', async () => {
  const a = await server('a');
  const { client, service } = await setup([a]);
  a.queue(fail(status.UNAVAILABLE));
  await assert.rejects(client.unary(service, echoMethod, { text: 'x' }), (e: unknown) => isSwitchyardError(e, 'GRPC_STATUS') && (e as GrpcStatusError).status === status.UNAVAILABLE);
  assert.equal(a.seen.length, 1);
  await client.close();
});

test('the server pushback sets the wait; a negative pushback means do not retry', async () => {
  const clock = new ManualClock();
  const a = await server('a');
  const { client, service, retries } = await setup([a], { clock, idempotent: true });
  a.queue(fail(status.UNAVAILABLE, '1500'));
  const call = client.unary(service, echoMethod, { text: 'x' });
  await until(() => retries.length > 0, 'the first retry');
  assert.equal(retries[0]!.delayMs, 1500);
  await clock.advance(1500);
  assert.equal((await call).id, 'a');
  a.queue(fail(status.UNAVAILABLE, '-1'));
  await assert.rejects(client.unary(service, echoMethod, { text: 'y' }), (e: unknown) => e instanceof GrpcStatusError && !e.retryable);
  assert.equal(retries.length, 1);
  await client.close();
});

test('each attempt has a deadline; at the deadline the call is cancelled and fails with TIMEOUT', async () => {
  const clock = new ManualClock();
  const a = await server('a');
  const { client, service } = await setup([a], { clock, deadlineMs: 800, retry: false });
  a.queue(stall);
  const call = assert.rejects(client.unary(service, echoMethod, { text: 'x' }), (e: unknown) => e instanceof TimeoutError && e.timeoutMs === 800);
  await until(() => a.seen.length > 0, 'the request to reach the server');
  await clock.advance(800);
  await call;
  await until(() => a.cancelled > 0, 'the server to see the cancellation');
  await client.close();
});

test('statuses that are answers (NOT_FOUND) do not count against the instance', async () => {
  const [a, b] = [await server('a'), await server('b')];
  const { client, service } = await setup([a, b], { outlier: { maxEjectedShare: 1 } });
  for (let i = 0; i < 6; i++) a.queue(fail(status.NOT_FOUND));
  for (let i = 0; i < 12; i++) await client.unary(service, echoMethod, { text: 'x' }).catch(() => {});
  const pool = await client.pool(service);
  assert.equal(pool.outlier?.stateOf('a'), 'admitted');
  for (let i = 0; i < 5; i++) a.queue(fail(status.INTERNAL));
  for (let i = 0; i < 10; i++) await client.unary(service, echoMethod, { text: 'x' }).catch(() => {});
  assert.equal(pool.outlier?.stateOf('a'), 'ejected');
  await client.close();
});
