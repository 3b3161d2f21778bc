/**
 * sqs-consumer, the popular polling consumer, runs unchanged against the server: it processes
 * messages (single and batch handlers), and a handler that keeps failing sends its message to
 * the dead-letter queue through the RedrivePolicy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
let sqs: SQSClient;
const unique = (stem: string) => `${stem}-${randomBytes(4).toString('hex')}`;

before(async () => {
  server = await startServerProcess();
  sqs = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => {
  sqs.destroy();
  await server.stop();
  server.cleanup();
});

async function send(url: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: `m${i + j}`, MessageBody: b })) }));
  }
}

/** Resolves when `done()` holds, checking as events arrive; fails after `ms`. */
function until(done: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (done()) {
        clearInterval(tick);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(tick);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

describe('sqs-consumer against the server', () => {
  it('processes every message once and deletes it', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('work') }));
    const bodies = Array.from({ length: 35 }, (_, i) => `job-${i}`);
    await send(QueueUrl as string, bodies);
    const seen: string[] = [];
    const consumer = Consumer.create({
      queueUrl: QueueUrl as string,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessage: async (m) => {
        seen.push(m.Body as string);
        return m;
      },
    });
    const errors: Error[] = [];
    consumer.on('error', (e) => errors.push(e));
    consumer.on('processing_error', (e) => errors.push(e));
    consumer.start();
    try {
      await until(() => seen.length >= bodies.length, 15_000, 'all messages');
    } finally {
      consumer.stop({ abort: true });
    }
    assert.deepEqual(errors, []);
    assert.deepEqual([...seen].sort(), [...bodies].sort());
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(attrs.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('handles batches with handleMessageBatch', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('batch') }));
    await send(QueueUrl as string, Array.from({ length: 20 }, (_, i) => `b-${i}`));
    let handled = 0;
    const consumer = Consumer.create({
      queueUrl: QueueUrl as string,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      handleMessageBatch: async (ms) => {
        handled += ms.length;
        return ms;
      },
    });
    // stop({ abort: true }) aborts the poll in flight, which sqs-consumer reports as an error.
    consumer.on('error', () => undefined);
    consumer.start();
    try {
      await until(() => handled >= 20, 15_000, 'both batches');
    } finally {
      consumer.stop({ abort: true });
    }
    assert.equal(handled, 20);
  });

  it('retries a failing message and it ends in the dead-letter queue after maxReceiveCount', async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: unique('dlq') }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: unique('flaky'), Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) } }),
    );
    await send(QueueUrl as string, ['poison']);
    let attempts = 0;
    const consumer = Consumer.create({
      queueUrl: QueueUrl as string,
      sqs,
      waitTimeSeconds: 1,
      // Release a failed message at once instead of waiting out the visibility timeout.
      terminateVisibilityTimeout: true,
      handleMessage: async () => {
        attempts++;
        throw new Error('cannot handle this');
      },
    });
    consumer.on('processing_error', () => undefined);
    consumer.on('error', () => undefined);
    consumer.start();
    try {
      await until(() => attempts >= 3, 15_000, 'three attempts');
      // The next receive finds it used up and moves it.
      await until(() => consumer.status.isPolling && attempts === 3, 5_000, 'polling');
      let dead: string | undefined;
      for (let i = 0; i < 40 && dead === undefined; i++) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1 }));
        dead = r.Messages?.[0]?.Body;
      }
      assert.equal(dead, 'poison');
    } finally {
      consumer.stop({ abort: true });
    }
    assert.equal(attempts, 3, 'the message was not delivered a fourth time');
  });
});
