/**
 * The SQS-compatible endpoint, driven by the real AWS SDK (@aws-sdk/client-sqs) against a real
 * server process. The SDK checks the MD5 digests of bodies and attributes itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueueTagsCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
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

async function create(name: string, Attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, ...(Attributes ? { Attributes } : {}) }));
  assert.ok(QueueUrl);
  return QueueUrl;
}

async function rejects(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    return true;
  });
}

describe('SQS API with @aws-sdk/client-sqs', () => {
  it('creates queues whose URLs point at this server, finds and lists them', async () => {
    const name = unique('orders');
    const url = await create(name);
    assert.equal(url, `${server.url}/000000000000/${name}`);
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, url);
    assert.ok((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls?.includes(url));
    assert.equal(await create(name), url, 'CreateQueue is idempotent');
    await rejects(sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '7' } })), 'QueueNameExists');
  });

  it('round-trips a message with attributes, and system attributes on request', async () => {
    const url = await create(unique('attrs'));
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'héllo wörld',
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          amount: { DataType: 'Number', StringValue: '12.5' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
        },
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } },
      }),
    );
    assert.ok(sent.MessageId && sent.MD5OfMessageAttributes && sent.MD5OfMessageSystemAttributes);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const m = Messages?.[0];
    assert.equal(m?.Body, 'héllo wörld');
    assert.equal(m?.MessageId, sent.MessageId);
    assert.equal(m?.MessageAttributes?.tenant?.StringValue, 'acme');
    assert.equal(m?.MessageAttributes?.amount?.DataType, 'Number');
    assert.deepEqual([...(m?.MessageAttributes?.blob?.BinaryValue ?? [])], [0, 1, 254, 255]);
    assert.equal(m?.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(m?.Attributes?.AWSTraceHeader, 'Root=1-5759e988-bd862e3fe1be46a994272793');
    assert.ok(Number(m?.Attributes?.SentTimestamp) > 0);
  });

  it('returns only the attributes asked for, by name or prefix', async () => {
    const url = await create(unique('select'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: { 'app.a': { DataType: 'String', StringValue: '1' }, 'app.b': { DataType: 'String', StringValue: '2' }, other: { DataType: 'String', StringValue: '3' } },
      }),
    );
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['app.*'], MessageSystemAttributeNames: ['SenderId'] }));
    assert.deepEqual(Object.keys(Messages?.[0]?.MessageAttributes ?? {}).sort(), ['app.a', 'app.b']);
    assert.deepEqual(Object.keys(Messages?.[0]?.Attributes ?? {}), ['SenderId']);
  });

  it('long polls: a receive waiting 10 s returns as soon as a message is sent', async () => {
    const url = await create(unique('poll'));
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 200));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await waiting;
    assert.equal(Messages?.[0]?.Body, 'wake up');
    assert.ok(Date.now() - started < 5000, 'the long poll was not woken by the send');
  });

  it('forgets a long poll whose client went away: it leases nothing', async () => {
    const url = await create(unique('abandoned'));
    const abort = new AbortController();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), { abortSignal: abort.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    await poll;
    await new Promise((r) => setTimeout(r, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    assert.equal(Messages?.[0]?.Body, 'kept');
    assert.equal(Messages?.[0]?.Attributes?.ApproximateReceiveCount, '1');
  });

  it('sends and deletes in batches, reporting each entry', async () => {
    const url = await create(unique('batch'));
    const r = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok1', MessageBody: 'one' },
          { Id: 'bad', MessageBody: 'two', DelaySeconds: 901 },
          { Id: 'ok2', MessageBody: 'three' },
        ],
      }),
    );
    assert.deepEqual(r.Successful?.map((s) => s.Id).sort(), ['ok1', 'ok2']);
    assert.equal(r.Failed?.[0]?.Id, 'bad');
    assert.equal(r.Failed?.[0]?.Code, 'InvalidParameterValue');
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    assert.equal(Messages.length, 2);
    const del = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [...Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle as string })), { Id: 'junk', ReceiptHandle: 'not-a-receipt' }],
      }),
    );
    assert.equal(del.Successful?.length, 2);
    assert.equal(del.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(attrs.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('refuses malformed batches with SQS error codes', async () => {
    const url = await create(unique('badbatch'));
    await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), 'EmptyBatchRequest');
    await rejects(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })) })),
      'TooManyEntriesInBatchRequest',
    );
    await rejects(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })),
      'BatchEntryIdsNotDistinct',
    );
    await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'bad id!', MessageBody: 'x' }] })), 'InvalidBatchEntryId');
  });

  it('hides a received message for the visibility timeout, which ChangeMessageVisibility resets', async () => {
    const url = await create(unique('vis'), { VisibilityTimeout: '30' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateFirstReceiveTimestamp'] }))).Messages?.[0];
    assert.ok(first?.ReceiptHandle);
    const firstReceive = first.Attributes?.ApproximateFirstReceiveTimestamp;
    assert.ok(Number(firstReceive) > 0, `ApproximateFirstReceiveTimestamp ${firstReceive}`);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined, 'leased messages are invisible');
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
    const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] }))).Messages?.[0];
    assert.equal(again?.Attributes?.ApproximateReceiveCount, '2');
    assert.equal(again?.Attributes?.ApproximateFirstReceiveTimestamp, firstReceive, 'the first receive is remembered');
    await rejects(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle })), 'InvalidParameterValue');
    await rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 5 })), 'MessageNotInflight');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again?.ReceiptHandle }));
  });

  it('dead-letters after maxReceiveCount, lists sources, and moves messages back with a move task', async () => {
    const dlqName = unique('dlq');
    const dlqUrl = await create(dlqName);
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn as string;
    const srcName = unique('src');
    const srcUrl = await create(srcName, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    await sqs.send(new SendMessageCommand({ QueueUrl: srcUrl, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i++) {
      const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, WaitTimeSeconds: 1 }))).Messages?.[0];
      assert.ok(m, `receive ${i + 1}`);
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: srcUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    }
    // The third receive finds it used up and moves it.
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl }))).Messages, undefined);
    const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'], VisibilityTimeout: 0 }))).Messages?.[0];
    assert.equal(dead?.Body, 'poison');
    assert.match(dead?.Attributes?.DeadLetterQueueSourceArn ?? '', new RegExp(`:${srcName}$`));
    assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls, [srcUrl]);
    const redrive = JSON.parse((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: srcUrl, AttributeNames: ['RedrivePolicy'] }))).Attributes?.RedrivePolicy as string);
    assert.deepEqual(redrive, { deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    assert.ok(TaskHandle);
    for (let i = 0; i < 50; i++) {
      const [task] = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results ?? [];
      if (task?.Status === 'COMPLETED') {
        assert.equal(task.ApproximateNumberOfMessagesMoved, 1);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const back = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: srcUrl, WaitTimeSeconds: 2 }))).Messages?.[0];
    assert.equal(back?.Body, 'poison');
  });

  it('FIFO: order per group, one in flight per group, deduplication', async () => {
    const url = await create(`${unique('pay')}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const sequences: string[] = [];
    for (const body of ['a1', 'a2']) sequences.push((await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: 'a' }))).SequenceNumber ?? '');
    const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'b1', MessageBody: 'b1', MessageGroupId: 'b' }] }));
    sequences.push(batch.Successful?.[0]?.SequenceNumber ?? '');
    assert.ok(sequences.every((s) => /^\d{20}$/.test(s)), `SequenceNumber of 20 digits: ${sequences.join(', ')}`);
    assert.ok(sequences[0]! < sequences[1]! && sequences[1]! < sequences[2]!, 'sequence numbers grow in send order');
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a1', MessageGroupId: 'a' }));
    assert.ok(dup.MessageId, 'a duplicate send still succeeds');
    assert.equal(dup.SequenceNumber, sequences[0], "a duplicate answers with the first message's number");
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId', 'SequenceNumber'] }))).Messages ?? [];
    assert.deepEqual(first.map((m) => m.Body).sort(), ['a1', 'b1']);
    assert.deepEqual(first.map((m) => m.Attributes?.SequenceNumber).sort(), [sequences[0], sequences[2]]);
    for (const m of first) await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages ?? [];
    assert.deepEqual(second.map((m) => m.Body), ['a2'], 'the duplicate a1 was not stored again');
    await rejects(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })), 'MissingParameter');
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes;
    assert.equal(attrs?.FifoQueue, 'true');
    assert.equal(attrs?.ContentBasedDeduplication, 'true');
  });

  it('sets attributes, tags queues, purges and deletes', async () => {
    const url = await create(unique('admin'));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '45', ReceiveMessageWaitTimeSeconds: '3', DelaySeconds: '2' } }));
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes;
    assert.equal(attrs?.VisibilityTimeout, '45');
    assert.equal(attrs?.ReceiveMessageWaitTimeSeconds, '3');
    assert.equal(attrs?.DelaySeconds, '2');
    await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { NoSuchThing: '1' } as Record<string, string> })), 'InvalidAttributeName');
    await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '99999' } })), 'InvalidAttributeValue');
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'payments', env: 'test' } }));
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['env'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: 'payments' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    // SQS allows one purge per queue every 60 seconds.
    await rejects(sqs.send(new PurgeQueueCommand({ QueueUrl: url })), 'PurgeQueueInProgress');
    const after = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }))).Attributes;
    assert.equal(after?.ApproximateNumberOfMessagesDelayed, '0');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await rejects(sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })), 'QueueDoesNotExist');
  });

  it('answers bad input with SQS errors and stores nothing', async () => {
    const url = await create(unique('bad'));
    await rejects(sqs.send(new GetQueueUrlCommand({ QueueName: unique('missing') })), 'QueueDoesNotExist');
    await rejects(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(262_145) })), 'InvalidParameterValue');
    await rejects(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0000 char' })), 'InvalidMessageContents');
    await rejects(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })), 'ReceiptHandleIsInvalid');
    await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'bad name!' })), 'InvalidParameterValue');
    await rejects(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })), 'InvalidParameterValue');
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes;
    assert.equal(attrs?.ApproximateNumberOfMessages, '0');
  });
});
