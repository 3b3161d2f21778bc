import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyKind, decodeBody, encodeBody, prepareEntries, defaultMessageLimits, ManualClock, type Body } from '@switchyard/core';
import { bodyFromWire, deliveryFromWire, entriesToJson, type WireMessage } from './wire.js';

const bodies: Body[] = [{ order: 1, lines: [{ sku: 'a' }], note: null }, 'plain text, not JSON: {"a":1} — héllo ✓', '', 0, -1.5, false, null, [1, 'two'], new Uint8Array([0, 1, 254, 255])];

describe('wire format', () => {
  it('sends each body kind the way the JSON API reads it: JSON as JSON, text as a string, bytes as base64', () => {
    const entries = prepareEntries(
      bodies.map((body) => ({ body, headers: { h: '1' }, key: 'k' })),
      defaultMessageLimits,
      new ManualClock(),
    );
    const sent = (JSON.parse(entriesToJson(entries)) as { messages: WireMessage[] }).messages;
    assert.equal(sent.length, bodies.length);
    sent.forEach((m, i) => {
      const body = bodies[i];
      if (body instanceof Uint8Array) {
        assert.equal(m.body, undefined);
        assert.equal(m.bodyBase64, Buffer.from(body).toString('base64'));
      } else {
        assert.deepEqual(m.body, body);
        assert.equal(m.bodyBase64, undefined);
      }
      assert.equal(m.id, entries[i]?.id);
      assert.deepEqual(m.headers, { h: '1' });
      assert.equal(m.key, 'k');
      assert.equal(m.timestamp, entries[i]?.timestamp);
    });
  });

  it('decodes what the server sends back to the same body, kind and bytes the facade encoded', () => {
    for (const body of bodies) {
      const encoded = encodeBody(body);
      const wire: WireMessage = body instanceof Uint8Array ? { bodyBase64: Buffer.from(body).toString('base64') } : { body };
      const back = bodyFromWire(wire);
      assert.equal(back.kind, encoded.kind, `kind of ${JSON.stringify(body)}`);
      assert.deepEqual(Buffer.from(back.data), Buffer.from(encoded.data));
      assert.deepEqual(decodeBody(back.kind, back.data), body);
    }
  });

  it('a delivery keeps every field but the wire body', () => {
    const d = deliveryFromWire({ id: 'm', type: 't', headers: {}, timestamp: 1, queue: 'q', receipt: 'r', attempt: 2, enqueuedAt: 3, bodyBase64: 'AAE=' });
    assert.deepEqual({ ...d, body: undefined }, { id: 'm', type: 't', headers: {}, timestamp: 1, queue: 'q', receipt: 'r', attempt: 2, enqueuedAt: 3, body: undefined });
    assert.equal(d.body.kind, BodyKind.bytes);
    assert.deepEqual(Array.from(d.body.data), [0, 1]);
    assert.equal('bodyBase64' in d, false);
  });
});
