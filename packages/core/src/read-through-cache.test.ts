import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadThroughCache } from './read-through-cache.js';

test('ReadThroughCache shares concurrent reads, serves a fresh entry without reading, and a write wins over an earlier read', async () => {
  let reads = 0;
  let release: (v: string) => void = () => undefined;
  const cache = new ReadThroughCache<string>(
    () => {
      reads++;
      return new Promise<string>((r) => (release = r));
    },
    60_000,
  );
  const a = cache.get('k');
  const b = cache.get('k');
  assert.equal(reads, 1, 'concurrent callers share one read');
  release('from-source');
  assert.deepEqual(await Promise.all([a, b]), ['from-source', 'from-source']);
  assert.equal(await cache.get('k'), 'from-source');
  assert.equal(reads, 1, 'a young entry is served without reading');

  const stale = cache.get('k', true);
  cache.set('k', 'written');
  release('read-before-the-write');
  assert.equal(await stale, 'read-before-the-write');
  assert.equal(await cache.get('k'), 'written', 'the write is not overwritten by a read that began before it');
  cache.forget('k');
  const again = cache.get('k');
  release('reread');
  assert.equal(await again, 'reread');
});
