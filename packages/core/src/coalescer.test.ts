import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coalescer } from './coalescer.js';

/** A run we finish by hand, recording each batch it was given. */
function manualRun() {
  const batches: { key: string; items: number[]; finish(results?: string[]): void; fail(err: Error): void }[] = [];
  const run = (key: string, items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ key, items, finish: (r) => resolve(r ?? items.map((i) => `r${i}`)), fail: reject });
    });
  return { batches, run };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

test('a lone call runs at once; calls made while the limit is busy go together as one batch, in order', async () => {
  const { batches, run } = manualRun();
  const c = new Coalescer(run, { concurrency: 1, maxItems: 10 });
  const first = c.submit('q', 1);
  const rest = [2, 3, 4].map((i) => c.submit('q', i));
  await turn();
  assert.deepEqual(batches.map((b) => b.items), [[1]]);
  batches[0]?.finish();
  assert.equal(await first, 'r1');
  await turn();
  assert.deepEqual(batches.map((b) => b.items), [[1], [2, 3, 4]]);
  batches[1]?.finish();
  assert.deepEqual(await Promise.all(rest), ['r2', 'r3', 'r4']);
});

test('keys batch apart, batches respect maxItems, and a failed batch rejects only its own calls', async () => {
  const { batches, run } = manualRun();
  const c = new Coalescer(run, { concurrency: 1, maxItems: 2 });
  const a1 = c.submit('a', 1);
  const b1 = c.submit('b', 1);
  const a = [2, 3, 4].map((i) => c.submit('a', i));
  await turn();
  assert.deepEqual(batches.map((b) => [b.key, b.items]), [['a', [1]], ['b', [1]]]);
  batches[0]?.finish();
  await a1;
  await turn();
  assert.deepEqual(batches[2]?.items, [2, 3]);
  batches[2]?.fail(new Error('boom'));
  await assert.rejects(a[0] as Promise<string>, /boom/);
  await assert.rejects(a[1] as Promise<string>, /boom/);
  await turn();
  assert.deepEqual(batches[3]?.items, [4]);
  batches[3]?.finish();
  batches[1]?.finish();
  assert.equal(await a[2], 'r4');
  assert.equal(await b1, 'r1');
});
