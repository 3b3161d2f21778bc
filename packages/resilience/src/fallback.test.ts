import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FallbackPolicy } from './fallback.js';

test('replaces a handled failure with the fallback value, given the error', async () => {
  const policy = new FallbackPolicy({ fallback: (err) => `cached (${(err as Error).message})` });
  assert.equal(await policy.execute(() => Promise.reject(new Error('down'))), 'cached (down)');
  assert.equal(await policy.execute(() => 'fresh'), 'fresh');
});

test('errors it does not handle, and caller aborts, pass through', async () => {
  const policy = new FallbackPolicy({ fallback: () => 'cached', handles: (e) => !(e instanceof TypeError) });
  await assert.rejects(policy.execute(() => Promise.reject(new TypeError('bug'))), TypeError);
  const caller = new AbortController();
  caller.abort(new Error('gone'));
  await assert.rejects(
    policy.execute(({ signal }) => Promise.reject(signal.reason), caller.signal),
    /gone/,
  );
});
