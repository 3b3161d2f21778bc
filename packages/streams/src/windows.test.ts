import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedWindowsFor, hopping, session, sliding, tumbling } from './windows.js';

describe('window definitions', () => {
  it('tumbling: one window per record, aligned to the epoch, end excluded', () => {
    const spec = tumbling(60_000) as Extract<ReturnType<typeof tumbling>, { kind: 'tumbling' }>;
    assert.deepEqual(fixedWindowsFor(spec, 0), [{ start: 0, end: 60_000 }]);
    assert.deepEqual(fixedWindowsFor(spec, 59_999), [{ start: 0, end: 60_000 }]);
    assert.deepEqual(fixedWindowsFor(spec, 60_000), [{ start: 60_000, end: 120_000 }]);
    assert.deepEqual(fixedWindowsFor(spec, -1), [{ start: -60_000, end: 0 }]);
  });

  it('hopping: a record is in size / advance windows', () => {
    const spec = hopping({ sizeMs: 600_000, advanceMs: 60_000 }) as Extract<ReturnType<typeof hopping>, { kind: 'hopping' }>;
    const ws = fixedWindowsFor(spec, 125_000);
    assert.equal(ws.length, 10);
    assert.deepEqual(ws[0], { start: -420_000, end: 180_000 });
    assert.deepEqual(ws[9], { start: 120_000, end: 720_000 });
    for (const w of ws) assert.ok(w.start <= 125_000 && 125_000 < w.end);
  });

  it('refuses sizes that are not positive integers, and advances that do not divide the size', () => {
    assert.throws(() => tumbling(0), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => sliding(1.5), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => session(-1), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => hopping({ sizeMs: 100, advanceMs: 30 }), { code: 'INVALID_ARGUMENT', message: /must divide/ });
    assert.throws(() => hopping({ sizeMs: 100, advanceMs: 200 }), { code: 'INVALID_ARGUMENT' });
  });
});
