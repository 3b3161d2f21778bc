/**
 * Fuzzing both APIs with fast-check: whatever arrives, the server answers with a JSON 4xx (or a
 * 2xx), never a 5xx or a crash, and a queue or stream nobody addressed is left exactly as it was.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { testApp } from './testing.js';

let t: ReturnType<typeof testApp>;
before(async () => {
  t = testApp();
  const canary = await t.broker.createQueue('canary');
  await canary.sendBatch([{ body: { keep: 1 } }, { body: 'keep 2' }]);
  for (const n of ['q1', 'q2.fifo']) await t.broker.createQueue(n);
  await t.broker.createTopic('t1');
  const s1 = await t.broker.createStream('s1', { partitions: 2 });
  await s1.append({ body: 'first', partition: 0 });
  const canaryStream = await t.broker.createStream('canary-s', { partitions: 2 });
  await canaryStream.appendBatch([{ body: { keep: 1 } }, { body: 'keep 2' }]);
  const member = canaryStream.consumer('g', { start: 'earliest', memberId: 'm' });
  await member.poll();
  await member.commit({ state: [{ partition: 0, key: 'k', value: new Uint8Array([1]) }] });
});
after(() => t.close());

const canaryState = async () => JSON.stringify((await t.broker.queue('canary').peek({ max: 10 })).messages.map((m) => [m.id, m.body, m.state, m.receives]));
/** The canary stream's records, committed offsets and state: no fuzzed request names it. */
const canaryStreamState = async () => {
  const s = t.broker.stream('canary-s');
  const state = await t.broker.engine.streams?.loadState('canary-s', 'g', 0);
  return JSON.stringify([await s.offsets(), await s.read({ partition: 0, offset: 0 }), await s.read({ partition: 1, offset: 0 }), await s.committed('g'), state]);
};

const names = fc.constantFrom('q1', 'q2.fifo', 'missing', 'bad name', '', 'x'.repeat(90), 't1', 's1');
const json = fc.oneof(fc.jsonValue(), fc.record({ messages: fc.array(fc.oneof(fc.constant(null), fc.jsonValue()), { maxLength: 5 }) }), fc.record({ receipts: fc.array(fc.oneof(fc.constant(null), fc.jsonValue()), { maxLength: 3 }) }), fc.record({ receipt: fc.jsonValue(), delayMs: fc.jsonValue(), visibilityMs: fc.jsonValue(), error: fc.jsonValue() }, { requiredKeys: [] }), fc.record({ messages: fc.array(fc.record({ body: fc.jsonValue(), headers: fc.jsonValue(), key: fc.jsonValue(), delayMs: fc.jsonValue(), partition: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 5 }) }));
const routes: [string, (n: string) => string][] = [
  ['PUT', (n) => `/v1/queues/${encodeURIComponent(n)}`],
  ['PATCH', (n) => `/v1/queues/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/messages`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/receive`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/ack`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/nack`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/extend`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/dead-letter`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/redrive`],
  ['GET', (n) => `/v1/queues/${encodeURIComponent(n)}/peek?max=${n.length}&cursor=${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/queues/${encodeURIComponent(n)}/stats`],
  ['GET', (n) => `/v1/queues/${encodeURIComponent(n)}/dead-letter-sources`],
  ['POST', (n) => `/v1/queues/${encodeURIComponent(n)}/purge`],
  ['GET', (n) => `/v1/topics/${encodeURIComponent(n)}/subscriptions`],
  ['DELETE', (n) => `/v1/topics/t1/subscriptions/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/topics/${encodeURIComponent(n)}/webhooks`],
  ['GET', (n) => `/v1/topics/${encodeURIComponent(n)}/webhooks`],
  ['DELETE', (n) => `/v1/topics/t1/webhooks/${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/webhooks/confirm?token=${encodeURIComponent(n)}`],
  ['GET', () => '/v1/registry/services'],
  ['GET', (n) => `/v1/registry/services/${encodeURIComponent(n)}`],
  ['PUT', (n) => `/v1/registry/services/${encodeURIComponent(n)}/instances/${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/registry/services/svc/instances/${encodeURIComponent(n)}`],
  ['PUT', (n) => `/v1/registry/services/svc/instances/${encodeURIComponent(n)}/health`],
  ['DELETE', (n) => `/v1/registry/services/svc/instances/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/registry/services/svc/leases/${encodeURIComponent(n)}/renew`],
  ['DELETE', (n) => `/v1/registry/services/svc/leases/${encodeURIComponent(n)}`],
  ['PUT', (n) => `/v1/topics/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/topics/${encodeURIComponent(n)}/messages`],
  ['POST', (n) => `/v1/topics/${encodeURIComponent(n)}/subscriptions`],
  ['PUT', (n) => `/v1/streams/${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/streams?prefix=${encodeURIComponent(n)}&prefix=${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/streams/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/messages`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/read`],
  ['GET', (n) => `/v1/streams/${encodeURIComponent(n)}/offsets`],
  ['GET', (n) => `/v1/streams/s1/offset-for-timestamp?partition=${encodeURIComponent(n)}&timestamp=${n.length}`],
  ['GET', (n) => `/v1/streams/${encodeURIComponent(n)}/offset-for-timestamp?partition=${n.length % 3}&timestamp=${n.length * 7}`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/trim`],
  ['GET', (n) => `/v1/streams/${encodeURIComponent(n)}/stats`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/groups/g/join`],
  ['POST', (n) => `/v1/streams/s1/groups/${encodeURIComponent(n)}/join`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/groups/g/heartbeat`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/groups/g/leave`],
  ['GET', (n) => `/v1/streams/s1/groups/${encodeURIComponent(n)}`],
  ['GET', (n) => `/v1/streams/${encodeURIComponent(n)}/groups/g/offsets`],
  ['GET', (n) => `/v1/streams/s1/groups/g/state?partition=${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/streams/${encodeURIComponent(n)}/groups/g/commit`],
];
// Stream calls with mostly plausible bodies, so that requests get past validation to the
// engine's own checks (ownership, ranges, existence). waitMs stays 0 or invalid: a valid wait
// would hold the run for real seconds.
const some = <T>(likely: fc.Arbitrary<T>) => fc.oneof({ arbitrary: likely, weight: 9 }, { arbitrary: fc.jsonValue(), weight: 1 });
const int = some(fc.integer({ min: -1, max: 2 }));
const stream = fc.constantFrom('s1', 's1', 'missing', 'bad name', '').map(encodeURIComponent);
const group = fc.constantFrom('g', 'g', 'bad name').map(encodeURIComponent);
const member = some(fc.constantFrom('m', 'n'));
const positions = some(fc.array(some(fc.record({ partition: int, offset: int })), { maxLength: 3 }));
const meta = { partition: int, key: some(fc.string({ minLength: 1 })), timestamp: some(fc.nat()) };
const record = some(fc.oneof(fc.record({ body: fc.jsonValue(), ...meta }, { requiredKeys: ['body'] }), fc.record({ bodyBase64: fc.base64String(), ...meta }, { requiredKeys: ['bodyBase64'] })));
const records = some(fc.array(record, { maxLength: 3 }));
const outputs = (field: string, names: fc.Arbitrary<string>) => some(fc.array(fc.record({ [field]: names, messages: records }), { maxLength: 2 }));
const call = (method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<unknown> = fc.jsonValue()) => fc.tuple(fc.constant(method), path, body);
const streamCalls = fc.oneof(
  call('PUT', stream.map((n) => `/v1/streams/${n}`), fc.record({ partitions: int, retention: some(fc.record({ maxAgeMs: some(fc.constantFrom(null, 1000, 999)), maxBytes: some(fc.constantFrom(null, 1024, 1023)) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
  call('GET', fc.string().map((p) => `/v1/streams?prefix=${encodeURIComponent(p)}`)),
  call('GET', stream.map((n) => `/v1/streams/${n}`)),
  call('POST', stream.map((n) => `/v1/streams/${n}/messages`), fc.record({ messages: records })),
  call('POST', stream.map((n) => `/v1/streams/${n}/read`), fc.record({ from: positions, max: some(fc.integer({ min: 0, max: 3 })), waitMs: fc.constantFrom(0, 0, 0, null, -1, 60_001, 'x') }, { requiredKeys: ['from'] })),
  call('GET', stream.map((n) => `/v1/streams/${n}/offsets`)),
  call('GET', fc.tuple(stream, fc.constantFrom('0', '1', '-1', '9', 'x', ''), fc.constantFrom('0', '5', '-1', '1e3', '')).map(([n, p, ts]) => `/v1/streams/${n}/offset-for-timestamp?partition=${p}&timestamp=${ts}`)),
  call('POST', stream.map((n) => `/v1/streams/${n}/trim`)),
  call('GET', stream.map((n) => `/v1/streams/${n}/stats`)),
  call('POST', fc.tuple(stream, group).map(([n, g]) => `/v1/streams/${n}/groups/${g}/join`), fc.record({ memberId: member, sessionTimeoutMs: some(fc.constantFrom(100, 10_000, 99)), strategy: some(fc.constantFrom('range', 'sticky', 'random')), start: some(fc.constantFrom('earliest', 'latest', 'middle')) }, { requiredKeys: [] })),
  call('POST', fc.tuple(stream, group, fc.constantFrom('heartbeat', 'leave')).map(([n, g, op]) => `/v1/streams/${n}/groups/${g}/${op}`), fc.record({ memberId: member }, { requiredKeys: [] })),
  call('GET', fc.tuple(stream, group, fc.constantFrom('', '/offsets', '/state?partition=0', '/state?partition=7', '/state?partition=')).map(([n, g, rest]) => `/v1/streams/${n}/groups/${g}${rest}`)),
  call(
    'POST',
    fc.tuple(stream, group).map(([n, g]) => `/v1/streams/${n}/groups/${g}/commit`),
    fc.record(
      {
        memberId: member,
        generation: int,
        offsets: positions,
        state: some(fc.array(fc.record({ partition: int, key: some(fc.string({ minLength: 1 })), valueBase64: some(fc.oneof(fc.base64String(), fc.constant(null))) }), { maxLength: 3 })),
        appends: outputs('stream', fc.constantFrom('s1', 'missing', 'bad name')),
        publishes: outputs('topic', fc.constantFrom('t1', 'missing', 'bad name')),
      },
      { requiredKeys: ['memberId', 'generation', 'offsets'] },
    ),
  ),
);

const sqsActions = fc.constantFrom(
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage',
  'DeleteMessageBatch', 'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'GetQueueAttributes', 'SetQueueAttributes',
  'PurgeQueue', 'ListDeadLetterSourceQueues', 'StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask',
  'TagQueue', 'UntagQueue', 'ListQueueTags', 'NoSuchAction',
);
const sqsInput = fc.record(
  {
    QueueUrl: fc.oneof(fc.constant('http://localhost/000000000000/q1'), fc.constant('http://localhost/000000000000/q2.fifo'), fc.string()),
    QueueName: names,
    MessageBody: fc.oneof(fc.string(), fc.jsonValue()),
    ReceiptHandle: fc.string(),
    Entries: fc.array(fc.record({ Id: fc.string(), MessageBody: fc.string(), ReceiptHandle: fc.string(), VisibilityTimeout: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 12 }),
    Attributes: fc.dictionary(fc.constantFrom('VisibilityTimeout', 'DelaySeconds', 'RedrivePolicy', 'FifoQueue', 'Bogus'), fc.jsonValue()),
    MessageAttributes: fc.jsonValue(),
    MaxNumberOfMessages: fc.jsonValue(),
    WaitTimeSeconds: fc.constantFrom(0, -1, 'x', 21),
    VisibilityTimeout: fc.jsonValue(),
    MessageGroupId: fc.jsonValue(),
    SourceArn: fc.string(),
    Tags: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('fuzzing', () => {
  it('the JSON API answers every request with JSON and never a 5xx', async () => {
    const before = await canaryState();
    const streamBefore = await canaryStreamState();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes.length - 1 }), names, json, async (i, name, body) => {
        const [method, path] = routes[i] as [string, (n: string) => string];
        const res = await t.app.fastify.inject({ method: method as 'POST', url: path(name), payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        assert.ok(res.statusCode < 500, `${method} ${path(name)} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.equal(typeof (JSON.parse(res.body) as { error: { code: string } }).error.code, 'string');
      }),
      { numRuns: 1000 },
    );
    assert.equal(await canaryState(), before, 'the canary queue changed');
    assert.equal(await canaryStreamState(), streamBefore, 'the canary stream changed');
  });

  it('the stream routes answer plausible and broken requests alike with JSON and never a 5xx', async () => {
    const before = await canaryStreamState();
    await fc.assert(
      fc.asyncProperty(streamCalls, async ([method, url, body]) => {
        const res = await t.app.fastify.inject({ method: method as 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(body)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.equal(typeof (JSON.parse(res.body) as { error: { code: string } }).error.code, 'string');
      }),
      { numRuns: 1500 },
    );
    assert.equal(await canaryStreamState(), before, 'the canary stream changed');
  });

  it('the SQS endpoint answers every request with an SQS error or a result, never a 5xx', async () => {
    const before = await canaryState();
    await fc.assert(
      fc.asyncProperty(sqsActions, fc.oneof(sqsInput, fc.jsonValue().map((v) => JSON.stringify(v)), fc.string()), async (action, input) => {
        const res = await t.app.fastify.inject({
          method: 'POST',
          url: '/',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
          payload: typeof input === 'string' ? input : JSON.stringify(input),
        });
        assert.ok(res.statusCode < 500, `${action} ${JSON.stringify(input)} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assert.match((JSON.parse(res.body) as { __type: string }).__type, /^com\.amazonaws\.sqs#\w+$/);
      }),
      { numRuns: 1000 },
    );
    assert.equal(await canaryState(), before, 'the canary queue changed');
  });

  it('answers values that cannot be turned into text (a toString that is not a function) with an SQS error', async () => {
    // Found by the property above: `String(value)` in an error message threw, and the client got a 500.
    const odd = { toString: {}, valueOf: {} };
    const url = 'http://localhost/000000000000/q1';
    const calls: [string, Record<string, unknown>][] = [
      ['ReceiveMessage', { QueueUrl: ' ', VisibilityTimeout: odd }],
      ['ReceiveMessage', { QueueUrl: url, VisibilityTimeout: odd }],
      ['ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: odd }],
      ['ReceiveMessage', { QueueUrl: url, WaitTimeSeconds: odd }],
      ['ChangeMessageVisibility', { QueueUrl: url, ReceiptHandle: 'r', VisibilityTimeout: odd }],
      ['SendMessage', { QueueUrl: url, MessageBody: 'b', DelaySeconds: odd }],
      ['SendMessage', { QueueUrl: url, MessageBody: 'b', MessageDeduplicationId: odd }],
      ['GetQueueAttributes', { QueueUrl: url, AttributeNames: [odd] }],
      ['UntagQueue', { QueueUrl: url, TagKeys: [odd] }],
    ];
    for (const [action, input] of calls) {
      const res = await t.app.fastify.inject({
        method: 'POST',
        url: '/',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
        payload: JSON.stringify(input),
      });
      assert.equal(res.statusCode, 400, `${action} ${JSON.stringify(input)} → ${res.statusCode} ${res.body}`);
      assert.match((JSON.parse(res.body) as { __type: string }).__type, /^com\.amazonaws\.sqs#(InvalidParameterValue|InvalidAttributeName|QueueDoesNotExist|MissingParameter)$/);
    }
  });

  it('keeps a tag named __proto__ like any other', async () => {
    await t.broker.createQueue('tagged');
    const url = 'http://localhost/000000000000/tagged';
    const call = (action: string, input: Record<string, unknown>) =>
      t.app.fastify.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` }, payload: JSON.stringify(input) });
    assert.equal((await call('TagQueue', { QueueUrl: url, Tags: JSON.parse('{"__proto__": "p", "team": "a"}') as unknown })).statusCode, 200);
    const listed = await call('ListQueueTags', { QueueUrl: url });
    assert.deepEqual(JSON.parse(listed.body), { Tags: JSON.parse('{"__proto__": "p", "team": "a"}') as unknown });
    assert.equal((await call('UntagQueue', { QueueUrl: url, TagKeys: ['__proto__', 'team'] })).statusCode, 200);
    assert.deepEqual(JSON.parse((await call('ListQueueTags', { QueueUrl: url })).body), {});
  });
});
