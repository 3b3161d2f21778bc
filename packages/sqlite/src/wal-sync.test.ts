import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { openBroker } from './index.js';
import { WalSync } from './wal-sync.js';

const { file } = tempFiles('walsync');

/** Registers a callback and records when (in registration order) and how it was called. */
function recorder(sync: WalSync): { add: (name: string) => void; calls: { name: string; err: Error | null }[]; all: () => Promise<void> } {
  const calls: { name: string; err: Error | null }[] = [];
  const waits: Promise<void>[] = [];
  return {
    calls,
    add: (name) => waits.push(new Promise((resolve) => sync.afterCommit((err) => resolve(void calls.push({ name, err }))))),
    all: async () => void (await Promise.all(waits)),
  };
}

describe('WalSync', () => {
  it('settles at once, without syncing, while there is no WAL yet', async () => {
    const sync = new WalSync(file());
    const r = recorder(sync);
    r.add('a');
    await r.all();
    assert.deepEqual(r.calls, [{ name: 'a', err: null }]);
    assert.equal(sync.syncs, 0);
    sync.close();
  });

  it('settles commits made during a sync only after the next one, in order', async () => {
    const path = file();
    writeFileSync(`${path}-wal`, Buffer.alloc(4096));
    const sync = new WalSync(path);
    const r = recorder(sync);
    r.add('first'); // starts a sync at once
    r.add('second'); // committed while it runs: needs a sync that begins after it
    r.add('third');
    await r.all();
    await sync.drained();
    assert.deepEqual(
      r.calls.map((c) => [c.name, c.err]),
      [
        ['first', null],
        ['second', null],
        ['third', null],
      ],
    );
    assert.equal(sync.syncs, 2, 'the second and third commits share one sync');
    sync.close();
  });

  it('fails every waiting and later commit once a sync has failed', async () => {
    const path = file();
    symlinkSync(`${path}-wal`, `${path}-wal`); // a symlink to itself: opening it fails with ELOOP
    const sync = new WalSync(path);
    const r = recorder(sync);
    r.add('a');
    await r.all();
    assert.equal((r.calls[0]?.err as NodeJS.ErrnoException | null)?.code, 'ELOOP');
    const later = await new Promise<Error | null>((resolve) => sync.afterCommit(resolve));
    assert.equal((later as NodeJS.ErrnoException | null)?.code, 'ELOOP');
    sync.close();
  });
});

describe('sqlite engine with the fsync setting on a file', () => {
  it('commits without an fsync of its own and syncs the WAL before durable writes resolve', async () => {
    const path = file();
    const broker = await openBroker({ path });
    const engine = broker.engine as unknown as { commitStats: { commits: number; syncs: number } };
    const q = await broker.createQueue('jobs');
    const before = engine.commitStats.syncs;
    await Promise.all(Array.from({ length: 20 }, (_, i) => q.send({ body: `m${i}` })));
    assert.ok(engine.commitStats.syncs > before, 'the sends waited for a sync of the WAL');
    const got = await q.receive({ max: 20 });
    assert.equal(got.length, 20);
    await Promise.all(got.map((m) => q.ack(m)));
    await broker.close();
    const reopened = await openBroker({ path });
    assert.deepEqual(await reopened.queue('jobs').stats().then((s) => s.ready + s.leased), 0);
    await reopened.close();
  });

  it('lets SQLite sync on its own in relaxed mode and in memory', async () => {
    for (const options of [{ path: file(), durability: 'relaxed' as const }, { path: ':memory:' }]) {
      const broker = await openBroker(options);
      const q = await broker.createQueue('jobs');
      await q.send({ body: 'x' });
      assert.equal((broker.engine as unknown as { commitStats: { syncs: number } }).commitStats.syncs, 0);
      await broker.close();
    }
  });
});
