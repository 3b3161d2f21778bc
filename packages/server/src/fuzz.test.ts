/**
 * Fuzzing both APIs with fast-check: whatever arrives, the server answers with a JSON 4xx (or a
 * 2xx), never a 5xx or a crash, and a queue nobody addressed is left exactly as it was.
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
});
after(() => t.close());

const canaryState = async () => JSON.stringify((await t.broker.queue('canary').peek({ max: 10 })).messages.map((m) => [m.id, m.body, m.state, m.receives]));

const names = fc.constantFrom('q1', 'q2.fifo', 'missing', 'bad name', '', 'x'.repeat(90), 't1');
const json = fc.oneof(fc.jsonValue(), fc.record({ messages: fc.array(fc.oneof(fc.constant(null), fc.jsonValue()), { maxLength: 5 }) }), fc.record({ receipts: fc.array(fc.oneof(fc.constant(null), fc.jsonValue()), { maxLength: 3 }) }), fc.record({ receipt: fc.jsonValue(), delayMs: fc.jsonValue(), visibilityMs: fc.jsonValue(), error: fc.jsonValue() }, { requiredKeys: [] }), fc.record({ messages: fc.array(fc.record({ body: fc.jsonValue(), headers: fc.jsonValue(), key: fc.jsonValue(), delayMs: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 5 }) }));
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
  ['PUT', (n) => `/v1/topics/${encodeURIComponent(n)}`],
  ['POST', (n) => `/v1/topics/${encodeURIComponent(n)}/messages`],
  ['POST', (n) => `/v1/topics/${encodeURIComponent(n)}/subscriptions`],
];
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
});
