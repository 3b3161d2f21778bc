/**
 * A throwaway etcd (3.4, from Debian's etcd-server) for tests: loopback only, free client and
 * peer ports, a temp data dir removed on stop. `startEtcd()` resolves to undefined when the
 * binary is missing, so callers can skip with `etcdSkipReason` instead of failing.
 *
 * It runs with a 10 ms heartbeat and 100 ms election timeout: a single member elects itself at
 * once, and the smallest lease etcd grants drops to 1 s (its floor is 1.5 election timeouts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopper, waitForReady, withPortRetries } from './daemon.js';

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
  return withPortRetries(async () => launch(await freePort(), await freePort()));
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
    await waitForReady(child, 'etcd', /serving client (traffic|requests)/, 15_000);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const stop = stopper(child, dir);
  return { endpoint: client, stop, [Symbol.asyncDispose]: stop };
}
