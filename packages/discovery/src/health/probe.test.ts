import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { instanceFromSpec } from '../instance.js';
import { httpProbe, tcpProbe } from './probe.js';

let server: Server;
let port: number;
let status = 200;
let lastPath = '';

before(async () => {
  server = createServer((req, res) => {
    lastPath = req.url ?? '';
    res.statusCode = status;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const at = (p: number) => instanceFromSpec({ id: 'a', service: 'svc', address: { host: '127.0.0.1', port: p } }, 0, 1);
const signal = () => new AbortController().signal;

test('httpProbe: 2xx passes, 429 warns, other statuses are critical', async () => {
  const probe = httpProbe({ path: '/ready' });
  for (const [s, health] of [[204, 'passing'], [429, 'warning'], [503, 'critical'], [404, 'critical']] as const) {
    status = s;
    assert.deepEqual(await probe(at(port), signal()), { health, note: `HTTP ${s}` });
  }
  assert.equal(lastPath, '/ready');
});

test('httpProbe: a refused connection throws (a failed check)', async () => {
  const closed = await closedPort();
  await assert.rejects(httpProbe()(at(closed), signal()));
});

test('tcpProbe: passes when something listens, throws when nothing does', async () => {
  assert.equal((await tcpProbe()(at(port), signal())).health, 'passing');
  const closed = await closedPort();
  await assert.rejects(tcpProbe()(at(closed), signal()), { code: 'ECONNREFUSED' });
});

test('tcpProbe: stops when its signal aborts', async () => {
  // A listener that never accepts keeps connects pending on some systems; abort first instead.
  const ac = new AbortController();
  ac.abort(new Error('timed out'));
  await assert.rejects(tcpProbe()(at(port), ac.signal), { message: 'timed out' });
});

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
