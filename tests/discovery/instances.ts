/** Starts fixture servers as child processes and waits until they accept connections. */
import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawnTs } from '../support/spawn-ts.js';

const fixture = join(import.meta.dirname, 'fixtures', 'echo-server.ts');

/**
 * Starts `echo-server.ts` on `port`; resolves once it listens (and, given `etcd`, once it has
 * registered itself there as an instance of `etcd.service`).
 */
export function startEcho(port: number, id: string, etcd?: { endpoint: string; service: string }): Promise<ChildProcess> {
  const child = spawnTs(fixture, [String(port), id, ...(etcd ? [etcd.endpoint, etcd.service] : [])], { stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => done(new Error(`echo server ${id} did not start in 20 s: ${out}`)), 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes(`listening ${port}`)) done();
    };
    const onExit = (code: number | null) => done(new Error(`echo server ${id} exited with ${code}: ${out}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(child);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', onExit);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
