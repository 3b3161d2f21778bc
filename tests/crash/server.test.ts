/**
 * The server is killed with SIGKILL while SQS clients (the real AWS SDK) send and delete, and
 * restarted on the same data directory. Every send that had resolved must still be there (or
 * have been received), and no message whose DeleteMessage had resolved may come back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startServerProcess } from '../support/server-process.js';

const rounds = Number(process.env.CRASH_SERVER_ROUNDS ?? 10);

test(`server survives SIGKILL: resolved sends kept, resolved deletes final (${rounds} rounds)`, { timeout: 10 * 60_000 }, async () => {
  let server = await startServerProcess();
  const dataDir = server.dataDir;
  const sent = new Set<string>();
  const received = new Set<string>();
  const deleted = new Set<string>();
  let redeliveredAfterDelete = 0;
  const client = (url: string) => new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  try {
    let sqs = client(server.url);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable', Attributes: { VisibilityTimeout: '1' } }));
    const path = new URL(QueueUrl as string).pathname;
    for (let round = 0; round < rounds; round++) {
      const url = `${server.url}${path}`;
      let alive = true;
      const producer = (async () => {
        for (let i = 0; alive; i++) {
          const body = `r${round}-${i}`;
          try {
            await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
            sent.add(body);
          } catch {
            return;
          }
        }
      })();
      const consumer = (async () => {
        while (alive) {
          try {
            const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
            for (const m of r.Messages ?? []) {
              if (deleted.has(m.Body as string)) redeliveredAfterDelete++;
              received.add(m.Body as string);
              await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
              deleted.add(m.Body as string);
            }
          } catch {
            return;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
      await server.kill();
      alive = false;
      await Promise.all([producer, consumer]);
      sqs.destroy();
      server = await startServerProcess({ dataDir });
      sqs = client(server.url);
    }
    // Drain what is left; leases held by the killed server's clients end within a second.
    const url = `${server.url}${path}`;
    for (let empty = 0; empty < 3; ) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
      if (!r.Messages) empty++;
      for (const m of r.Messages ?? []) {
        if (deleted.has(m.Body as string)) redeliveredAfterDelete++;
        received.add(m.Body as string);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    sqs.destroy();
    const lost = [...sent].filter((b) => !received.has(b)).length;
    console.log(`crash: scenario=server rounds=${rounds} acked_sends=${sent.size} lost=${lost} redelivered_after_delete=${redeliveredAfterDelete}`);
    assert.ok(sent.size > 0, 'no send resolved; the test proved nothing');
    assert.equal(lost, 0);
    assert.equal(redeliveredAfterDelete, 0);
  } finally {
    await server.stop();
    server.cleanup();
  }
});
