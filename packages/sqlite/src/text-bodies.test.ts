import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BodyKind, Broker, ErrorCode, type EnqueueEntry } from '@switchyard/core';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { openBroker, SqliteEngine } from './index.js';

const { file } = tempFiles('bodies');

/** What SQLite holds for each stored body: its storage class and its size in bytes. */
function storedBodies(path: string): { type: string; bytes: number }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT typeof(body) AS type, length(CAST(body AS BLOB)) AS bytes FROM messages ORDER BY seq').all() as { type: string; bytes: number }[];
  } finally {
    db.close();
  }
}

describe('sqlite engine: how bodies are stored', () => {
  it('stores text and JSON as SQLite TEXT and bytes as a BLOB, and gives each back as sent', async () => {
    const path = file();
    const broker = await openBroker({ path });
    const q = await broker.createQueue('jobs');
    const text = 'nul:\u0000 tab:\t emoji:\u{1F680} accents:\u00e9\u00e8 cjk:\u4e2d\u6587';
    const json = { a: [1, 'two', null], nested: { emoji: '\u{1F600}', nul: '\u0000' } };
    const bytes = new Uint8Array([0, 255, 0xc3, 0x28, 10]); // not valid UTF-8 on purpose
    await q.sendBatch([{ body: text }, { body: json }, { body: bytes }, { body: '' }]);
    await broker.close();

    assert.deepEqual(storedBodies(path), [
      { type: 'text', bytes: Buffer.byteLength(text) },
      { type: 'text', bytes: Buffer.byteLength(JSON.stringify(json)) },
      { type: 'blob', bytes: 5 },
      { type: 'text', bytes: 0 },
    ]);

    const again = await openBroker({ path });
    const got = await again.queue('jobs').receive({ max: 10 });
    assert.deepEqual(
      got.map((d) => d.body),
      [text, json, bytes, ''],
    );
    await again.close();
  });

  it('stores a lone surrogate as U+FFFD, as its UTF-8 bytes always were', async () => {
    const broker = await openBroker({ path: file() });
    const q = await broker.createQueue('jobs');
    await q.send({ body: 'a\ud800b' });
    await q.send({ body: { s: 'a\udc00b' } });
    const got = await q.receive({ max: 10 });
    assert.deepEqual(
      got.map((d) => d.body),
      ['a\ufffdb', { s: 'a\udc00b' }], // JSON.stringify escapes a lone surrogate, so JSON keeps it
    );
    await broker.close();
  });

  it('still reads text bodies stored as UTF-8 BLOBs (by engines that hand over bytes only)', async () => {
    const path = file();
    const engine = new SqliteEngine({ path });
    const broker = new Broker(engine);
    const q = await broker.createQueue('jobs');
    const entry = (id: string, kind: BodyKind, text: string): EnqueueEntry => ({ id, type: 'm', body: { kind, data: Buffer.from(text) }, headers: {}, timestamp: 1 });
    await engine.queues.enqueue('jobs', [entry('t', BodyKind.text, 'caf\u00e9'), entry('j', BodyKind.json, '{"n":1}')]);
    const got = await q.receive({ max: 10 });
    assert.deepEqual(
      got.map((d) => d.body),
      ['caf\u00e9', { n: 1 }],
    );
    await broker.close();
    assert.deepEqual(
      storedBodies(path).map((b) => b.type),
      ['blob', 'blob'],
    );
  });

  it('measures the size limit in UTF-8 bytes, not characters', async () => {
    const broker = await openBroker({ path: file(), maxMessageBytes: 1024 });
    const q = await broker.createQueue('jobs');
    await q.send({ body: '\u00e9'.repeat(512) }); // 1024 bytes
    await assert.rejects(q.send({ body: '\u00e9'.repeat(513) }), (e: { code?: string }) => e.code === ErrorCode.MessageTooLarge);
    await assert.rejects(q.send({ body: '\u{1F680}'.repeat(257) }), (e: { code?: string }) => e.code === ErrorCode.MessageTooLarge);
    assert.equal((await q.stats()).ready, 1);
    await broker.close();
  });

  it('derives the same FIFO dedup id from a string as from its UTF-8 bytes', async () => {
    const engine = new SqliteEngine({ path: file() });
    const broker = new Broker(engine);
    const q = await broker.createQueue('jobs.fifo', { fifo: true });
    await q.send({ body: 'caf\u00e9', key: 'g' });
    const entry: EnqueueEntry = { id: 'bytes', type: 'm', body: { kind: BodyKind.text, data: Buffer.from('caf\u00e9') }, headers: {}, timestamp: 1, key: 'g' };
    const [result] = await engine.queues.enqueue('jobs.fifo', [entry]);
    assert.equal(result!.duplicate, true, 'the same content is a duplicate, however it came');
    assert.equal((await q.stats()).ready, 1);
    await broker.close();
  });
});
