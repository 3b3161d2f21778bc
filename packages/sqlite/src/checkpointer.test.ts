import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Broker, type Queue } from '@switchyard/core';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { commitsBeforeThread } from './background-checkpoints.js';
import { Checkpointer } from './checkpointer.js';
import { SqliteEngine } from './index.js';

const { dir, file } = tempFiles('ckpt');

/** Polls `check` on the event loop until it holds; the checkpointer works in real time on its own thread. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Messages in the database file alone, as a copy without its WAL sees them: what checkpoints
 * have copied into it. Undefined while the copy catches a checkpoint half-way.
 */
function messagesInFileAlone(path: string): number | undefined {
  const copy = `${path}.copy`;
  copyFileSync(path, copy);
  try {
    const db = new Database(copy, { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  } finally {
    rmSync(copy, { force: true });
  }
}

/** `commits` sends of `per` messages, one commit each (awaited one by one). */
async function sendOneByOne(q: Queue, commits: number, per = 1): Promise<void> {
  const body = 'x'.repeat(1024);
  for (let i = 0; i < commits; i++) await q.sendBatch(Array.from({ length: per }, () => ({ body })));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('background checkpoints', () => {
  it('copies the WAL into the database file on its own thread once the engine is busy', async () => {
    const path = file();
    const engine = new SqliteEngine({ path });
    const broker = new Broker(engine);
    const q = await broker.createQueue('jobs');
    const sent = (commitsBeforeThread + 40) * 20;
    try {
      await sendOneByOne(q, commitsBeforeThread + 40, 20);
      // ~2,000 messages of 1 KiB stay far below the engine's own threshold (8 MiB of WAL before the
      // thread, 64 MiB after): only the thread can have put them in the file. (The thread counts a
      // checkpoint once it has returned, after the file's fsync: the file can be whole before.)
      await until('the thread has checkpointed and the file alone holds every message', () => engine.checkpointThread.checkpoints > 0 && messagesInFileAlone(path) === sent);
      assert.equal(engine.checkpointThread.state, 'running');
      assert.equal((await q.stats()).ready, sent);
    } finally {
      // Also when an assertion fails: an open engine's thread would keep the test process alive.
      await broker.close();
    }
    assert.equal(existsSync(`${path}-wal`), false, 'the engine closes last and removes the WAL');

    const again = new Broker(new SqliteEngine({ path }));
    assert.equal((await again.queue('jobs').stats()).ready, sent);
    await again.close();
  });

  it('sleeps while nothing is committed', async () => {
    const engine = new SqliteEngine({ path: file(), sweepIntervalMs: 3_600_000 });
    const broker = new Broker(engine);
    const q = await broker.createQueue('jobs');
    await sendOneByOne(q, commitsBeforeThread);
    await until('the first checkpoint', () => engine.checkpointThread.checkpoints > 0);
    await pause(60);
    const settled = engine.checkpointThread.checkpoints;
    await pause(150);
    assert.equal(engine.checkpointThread.checkpoints, settled, 'no commit, no checkpoint');
    await q.send({ body: 'one more' });
    await until('the next checkpoint', () => engine.checkpointThread.checkpoints === settled + 1);
    await broker.close();
  });

  it('starts no thread for a short-lived engine, with backgroundCheckpoints: false, or in memory', async () => {
    const cases = [
      { options: { path: file() }, commits: 20, state: 'waiting' },
      { options: { path: file(), backgroundCheckpoints: false }, commits: commitsBeforeThread + 10, state: 'off' },
      { options: { path: ':memory:' }, commits: commitsBeforeThread + 10, state: 'off' },
    ];
    for (const { options, commits, state } of cases) {
      const engine = new SqliteEngine(options);
      const broker = new Broker(engine);
      await sendOneByOne(await broker.createQueue('jobs'), commits);
      await pause(80);
      assert.equal(engine.checkpointThread.checkpoints, 0, JSON.stringify(options));
      assert.equal(engine.checkpointThread.state, state, JSON.stringify(options));
      await broker.close();
    }
    assert.throws(() => new SqliteEngine({ path: file(), backgroundCheckpoints: 'yes' as unknown as boolean }), /backgroundCheckpoints/);
  });

  it('reports a thread that cannot open the file, once, so the engine checkpoints itself again', async () => {
    const failures: Error[] = [];
    const checkpointer = new Checkpointer({ path: join(dir, 'missing', 'x.db'), busyTimeoutMs: 100, gatherMs: 1, onFailure: (err) => failures.push(err) });
    await until('the failure is reported', () => failures.length > 0);
    await checkpointer.close();
    assert.equal(failures.length, 1);
    assert.match(failures[0]!.message, /checkpoint thread/);
  });
});
