import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, ManualClock } from '@switchyard/core';
import { RemoteEngine } from './remote-engine.js';
import { resolveRemoteOptions } from './options.js';

function refused(options: unknown, message: string): void {
  assert.throws(
    () => new RemoteEngine(options as never),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, ErrorCode.InvalidArgument);
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('remote engine options', () => {
  it('are checked when the engine is built, with messages that name the option', () => {
    refused({ url: 'localhost:4100' }, 'url: must be an http(s) URL, not "localhost:4100"');
    refused({ url: 'ftp://host' }, 'url: must be an http(s) URL, not "ftp://host"');
    refused({ url: 'http://host?x=1' }, 'url: must not have a query or a fragment');
    refused({ url: 'http://host', token: 'no-colon' }, 'token: must be "<accessKeyId>:<secretAccessKey>"');
    refused({ url: 'http://host', connections: 0 }, 'connections: must be an integer from 1 to 1024, got 0');
    refused({ url: 'http://host', push: 'yes' }, 'push: must be a boolean');
  });

  it('fill in the documented defaults and keep a path prefix without its trailing slash', () => {
    const o = resolveRemoteOptions({ url: 'https://broker.example/switchyard/' });
    assert.equal(o.url.href, 'https://broker.example/switchyard');
    assert.deepEqual({ ...o, url: undefined }, { url: undefined, token: undefined, connections: 16, requestTimeoutMs: 30_000, pollGraceMs: 15_000, push: true, pushRetryMs: 5_000, tls: undefined });
  });

  it('report injectedClock only when a ServerClock drives the server, and streams with their operations', async () => {
    const engine = new RemoteEngine({ url: 'http://127.0.0.1:1', clock: new ManualClock() });
    assert.equal(engine.features.injectedClock.supported, false);
    assert.equal(engine.features.streams.supported, true);
    assert.ok(engine.streams, 'a supported capability comes with its operations');
    assert.equal(engine.features.fifo.supported, true);
    await engine.close();
  });
});
