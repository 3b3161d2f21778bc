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

test('calls made in one turn go together; calls made while the limit is busy go together as the next batch, in order', async () => {
  const { batches, run } = manualRun();
  const c = new Coalescer(run, { concurrency: 1, maxItems: 10 });
  // A handler acking its batch in a loop, each ack reaching the coalescer after its own awaits.
  const first = [1, 2].map(async (i) => {
    await Promise.resolve();
    return c.submit('q', i);
  });
  // The submits happen a microtask after this turn was scheduled, so theirs runs one turn later.
  await turn();
  await turn();
  assert.deepEqual(batches.map((b) => b.items), [[1, 2]]);
  const rest = [3, 4, 5].map((i) => c.submit('q', i));
  await turn();
  assert.equal(batches.length, 1, 'a batch went while the limit was busy');
  batches[0]?.finish();
  assert.deepEqual(await Promise.all(first), ['r1', 'r2']);
  await turn();
  assert.deepEqual(batches.map((b) => b.items), [[1, 2], [3, 4, 5]]);
  batches[1]?.finish();
  assert.deepEqual(await Promise.all(rest), ['r3', 'r4', 'r5']);
});

test('a lone call goes after one turn of the event loop, not later', async () => {
  const { batches, run } = manualRun();
  const c = new Coalescer(run, { concurrency: 2, maxItems: 10 });
  const lone = c.submit('q', 7);
  assert.equal(batches.length, 0);
  await turn();
  assert.deepEqual(batches.map((b) => b.items), [[7]]);
  batches[0]?.finish();
  assert.equal(await lone, 'r7');
});

test('keys batch apart, batches respect maxItems, and a failed batch rejects only its own calls', async () => {
  const { batches, run } = manualRun();
  const c = new Coalescer(run, { concurrency: 1, maxItems: 2 });
  const a = [1, 2, 3, 4].map((i) => c.submit('a', i));
  const b1 = c.submit('b', 1);
  await turn();
  assert.deepEqual(batches.map((b) => [b.key, b.items]), [['a', [1, 2]], ['b', [1]]]);
  batches[0]?.fail(new Error('boom'));
  await assert.rejects(a[0] as Promise<string>, /boom/);
  await assert.rejects(a[1] as Promise<string>, /boom/);
  await turn();
  assert.deepEqual(batches[2]?.items, [3, 4]);
  batches[2]?.finish();
  batches[1]?.finish();
  assert.deepEqual(await Promise.all(a.slice(2)), ['r3', 'r4']);
  assert.equal(await b1, 'r1');
});
