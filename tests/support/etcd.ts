/**
 * A throwaway etcd (3.4, from Debian's etcd-server) for tests: loopback only, free client and
 * peer ports, a temp data dir removed on stop. `startEtcd()` resolves to undefined when the
 * binary is missing, so callers can skip with `etcdSkipReason` instead of failing.
 *
 * It runs with a 10 ms heartbeat and 100 ms election timeout: a single member elects itself at
 * once, and the smallest lease etcd grants drops to 1 s (its floor is 1.5 election timeouts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const etcdBinary = process.env.ETCD_BINARY ?? '/usr/bin/etcd';
export const etcdSkipReason = 'etcd is not installed (apt-get install etcd-server; .ci/run installs it)';

export interface EtcdServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, for etcd clients. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export function etcdAvailable(): boolean {
  return existsSync(etcdBinary);
}

export async function startEtcd(): Promise<EtcdServer | undefined> {
  if (!etcdAvailable()) return undefined;
  // Another process can take a port between probing and binding; try a few.
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await launch(await freePort(), await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function launch(clientPort: number, peerPort: number): Promise<EtcdServer> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-etcd-'));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`, '--initial-cluster-state', 'new',
    '--heartbeat-interval', '10', '--election-timeout', '100',
    '--logger', 'zap', '--log-outputs', 'stderr',
  ];
  const child = spawn(etcdBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await ready(child);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
  return { endpoint: client, stop, [Symbol.asyncDispose]: stop };
}

/** Resolves when etcd logs that it serves clients; rejects if it exits or stalls. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`etcd did not start in 15 s:\n${log.slice(-4000)}`)), 15_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/serving client (traffic|requests)/.test(log)) done();
    };
    const onExit = (code: number | null) => done(new Error(`etcd exited with ${code}:\n${log.slice(-4000)}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining output so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    }
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
