/**
 * boto3, the AWS SDK for Python, runs unchanged against the server: boto3-sqs.py creates
 * queues, sends and receives with every attribute type (botocore checks the MD5 digests),
 * batches, long polls, dead-letters, FIFO, attributes, tags and errors, asserting as it goes.
 * Skipped, with the reason, where Python has no boto3 that speaks SQS's AWS JSON protocol.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const python = process.env.PYTHON ?? 'python3';
const script = join(import.meta.dirname, 'boto3-sqs.py');

/** Why boto3 cannot be used here, or undefined when it can. */
function boto3Unavailable(): string | undefined {
  const probe = spawnSync(python, ['-c', "import boto3; print(boto3.client('sqs', region_name='us-east-1').meta.service_model.protocol)"], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  if (probe.error || probe.status !== 0) return `boto3 is not installed for ${python} (pip install boto3)`;
  const protocol = probe.stdout.trim();
  if (protocol !== 'json') return `this boto3 speaks SQS's ${protocol} protocol; the server speaks AWS JSON 1.0 (boto3 releases since late 2023)`;
  return undefined;
}

const unavailable = boto3Unavailable();
let server: ServerProcess | undefined;

before(async () => {
  if (!unavailable) server = await startServerProcess();
});
after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('boto3 against the server', () => {
  it('runs queues, messages, batches, long polls, dead letters, FIFO, attributes and tags unchanged', { skip: unavailable ?? false, timeout: 120_000 }, async () => {
    assert.ok(server);
    const { stdout } = await promisify(execFile)(python, [script, server.url], { timeout: 100_000 });
    assert.match(stdout.trim(), /^ok \d+$/, stdout);
    assert.ok(Number(stdout.trim().split(' ')[1]) >= 30, `only ${stdout.trim()} checks ran`);
  });
});
