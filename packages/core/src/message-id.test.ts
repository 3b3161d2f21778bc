import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stringify, validate, version } from 'uuid';
import { newMessageId } from './message-id.js';

describe('message ids', () => {
  it('are UUIDv7 with the given time in their first 48 bits, as uuid writes them', () => {
    const msecs = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const id = newMessageId(msecs);
    assert.ok(validate(id), id);
    assert.equal(version(id), 7);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), msecs);
    // The same text uuid's own formatter gives for the same bytes.
    assert.equal(stringify(parse(id)), id);
  });

  it('sort by time and never repeat', () => {
    const seen = new Set<string>();
    let previous = '';
    for (let i = 0; i < 20_000; i++) {
      const id = newMessageId(1_700_000_000_000 + Math.floor(i / 10));
      assert.ok(!seen.has(id), `repeated ${id}`);
      seen.add(id);
      if (i % 10 === 0) assert.ok(id > previous, `${id} after ${previous}`);
      previous = id;
    }
  });

  it('are strings of their own: a later id does not change an earlier one', () => {
    const first = newMessageId(1);
    const copy = `${first}`;
    newMessageId(2 ** 47);
    assert.equal(first, copy);
    assert.equal(newMessageId(0).slice(0, 13), '00000000-0000');
    assert.equal(newMessageId(2 ** 48 - 1).slice(0, 13), 'ffffffff-ffff');
  });
});
