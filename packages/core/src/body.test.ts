import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodySize, BodyKind, decodeEncoded, encodeBody, TextBody } from './body.js';
import { contentDedupId } from './dedup.js';

describe('encoded bodies', () => {
  it('keeps a string body as its string and makes its UTF-8 bytes only when asked', () => {
    const body = encodeBody('caf\u00e9 \u{1F680}');
    assert.ok(body instanceof TextBody);
    assert.equal(body.kind, BodyKind.text);
    assert.equal(body.text, 'caf\u00e9 \u{1F680}');
    assert.equal(bodySize(body), 10);
    assert.deepEqual(Buffer.from(body.data), Buffer.from('caf\u00e9 \u{1F680}'));
    assert.equal(body.data, body.data, 'encoded once');
  });

  it('keeps JSON as its text and decodes it back to the value', () => {
    const body = encodeBody({ a: [1, '\u00e9'] });
    assert.equal(body.kind, BodyKind.json);
    assert.equal(body.text, '{"a":[1,"\u00e9"]}');
    assert.equal(bodySize(body), 14);
    assert.deepEqual(decodeEncoded(body), { a: [1, '\u00e9'] });
    assert.deepEqual(decodeEncoded({ kind: BodyKind.json, data: body.data }), { a: [1, '\u00e9'] });
  });

  it('replaces a lone surrogate in a string body with U+FFFD, as UTF-8 does', () => {
    const body = encodeBody('a\ud800b');
    assert.equal(body.text, 'a\ufffdb');
    assert.equal(bodySize(body), body.data.byteLength);
  });

  it('leaves bytes as bytes, without a string', () => {
    const data = new Uint8Array([0xff, 0]);
    const body = encodeBody(data);
    assert.equal(body.text, undefined);
    assert.equal(body.data, data);
    assert.equal(bodySize(body), 2);
    assert.deepEqual(decodeEncoded(body), data);
  });

  it('hashes a string and its UTF-8 bytes to the same content dedup id', () => {
    const text = encodeBody('caf\u00e9');
    assert.equal(contentDedupId(text), contentDedupId({ kind: BodyKind.text, data: Buffer.from('caf\u00e9') }));
    assert.notEqual(contentDedupId(text), contentDedupId(encodeBody('cafe')));
  });
});
