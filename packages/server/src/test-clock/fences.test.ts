import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fences } from './fences.js';

describe('fences', () => {
  it('knows each marked fence, however the requests were reordered', () => {
    const f = new Fences();
    f.mark('a.2');
    assert.equal(f.has('a.1'), false);
    assert.equal(f.has('a.2'), true);
    f.mark('a.1');
    f.mark('b.1');
    for (const fence of ['a.1', 'a.2', 'b.1']) assert.equal(f.has(fence), true, fence);
    assert.equal(f.has('a.3'), false);
    assert.equal(f.has('c.1'), false);
    f.mark('not a fence');
    assert.equal(f.has('not a fence'), false);
  });

  it('waitFor resolves when the last listed fence is marked', async () => {
    const f = new Fences();
    f.mark('a.1');
    let done = false;
    const waiting = f.waitFor(['a.1', 'a.3', 'b.1'], 60_000).then(() => (done = true));
    f.mark('a.3');
    f.mark('a.2');
    await Promise.resolve();
    assert.equal(done, false, 'resolved before b.1 was marked');
    f.mark('b.1');
    await waiting;
    assert.equal(done, true);
  });

  it('waitFor gives up after its timeout, naming the fences that never came', async () => {
    const f = new Fences();
    f.mark('a.1');
    await assert.rejects(f.waitFor(['a.1', 'a.2'], 10), /operations a\.2 did not reach the server within 10 ms; the clock was not moved/);
  });
});
