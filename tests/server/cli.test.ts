/** The switchyard CLI against a real server process: tables for people, --json for scripts, exit codes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const cli = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'src', 'main.ts');
let server: ServerProcess;

before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
  server.cleanup();
});

function run(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=switchyard-source', '--import', 'tsx', cli, ...args], {
      env: { ...process.env, SWITCHYARD_URL: server.url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end(input ?? '');
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('switchyard CLI', () => {
  it('creates queues, sends (also from stdin), peeks, receives and shows stats', async () => {
    assert.equal((await run(['queue', 'create', 'cli-dlq'])).code, 0);
    const created = await run(['queue', 'create', 'cli-jobs', '--dlq', 'cli-dlq', '--max-receives', '2', '--visibility', '60000']);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /cli-jobs/);
    assert.equal((await run(['queue', 'send', 'cli-jobs', '{"n":1}', '--header', 'region=eu'])).code, 0);
    assert.equal((await run(['queue', 'send', 'cli-jobs'], 'from stdin\n')).code, 0);
    const list = await run(['--json', 'queue', 'list']);
    assert.deepEqual(
      (JSON.parse(list.out) as { queues: { name: string }[] }).queues.map((q) => q.name),
      ['cli-dlq', 'cli-jobs'],
    );
    const peek = await run(['queue', 'peek', 'cli-jobs']);
    assert.match(peek.out, /ready/);
    const got = await run(['--json', 'queue', 'receive', 'cli-jobs', '--max', '10', '--ack']);
    const bodies = (JSON.parse(got.out) as { messages: { body: unknown; headers: Record<string, string> }[] }).messages;
    assert.deepEqual(
      bodies.map((m) => m.body),
      [{ n: 1 }, 'from stdin'],
    );
    assert.equal(bodies[0]?.headers.region, 'eu');
    const stats = JSON.parse((await run(['--json', 'queue', 'stats', 'cli-jobs'])).out) as { ready: number; leased: number };
    assert.deepEqual([stats.ready, stats.leased], [0, 0]);
  });

  it('publishes through a topic subscription with a filter', async () => {
    await run(['queue', 'create', 'cli-eu']);
    assert.equal((await run(['topic', 'create', 'cli-events'])).code, 0);
    assert.equal((await run(['topic', 'subscribe', 'cli-events', 'cli-eu', '--filter', '{"region":["eu"]}'])).code, 0);
    const r = await run(['--json', 'topic', 'publish', 'cli-events', 'hello', '--header', 'region=eu']);
    assert.equal((JSON.parse(r.out) as { deliveredTo: number }).deliveredTo, 1);
    const tail = await run(['--json', 'tail', 'cli-eu', '--ack', '--count', '1']);
    assert.equal((JSON.parse(tail.out.trim().split('\n')[0] as string) as { body: string }).body, 'hello');
  });

  it('exits 1 with the server\'s error code, and 2 on a usage error', async () => {
    const missing = await run(['queue', 'stats', 'no-such-queue']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /QUEUE_NOT_FOUND/);
    assert.equal((await run(['queue', 'frobnicate'])).code, 2);
    const unreachable = await run(['--url', 'http://127.0.0.1:1', 'queue', 'list']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, /UNREACHABLE/);
  });
});
