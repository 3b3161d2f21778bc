/**
 * Servers that a fault test can crash and start again on the same port and data: unlike
 * tests/support (throwaway servers), these keep their data dir across `restart()`. Both run with
 * full durability, since the test checks that nothing acknowledged is lost.
 *
 * - Redis: `appendonly yes`, `appendfsync always`; restart = SIGKILL, then start on the same AOF.
 * - PostgreSQL: fsync on; restart = SIGQUIT (immediate shutdown: no checkpoint, crash recovery
 *   at the next start), then start on the same data dir. Runs as `postgres` when we are root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBin } from '../support/postgres.js';
import { redisBinary } from '../support/redis.js';

export interface RestartableServer {
  readonly url: string;
  /** Kills the server the hard way and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRestartableRedis(): Promise<RestartableServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-restart-'));
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  let child = await launch(redisBinary, args, 'Ready to accept connections');
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await kill(child, 'SIGKILL');
      child = await launch(redisBinary, args, 'Ready to accept connections');
    },
    async stop() {
      await kill(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startRestartablePostgres(): Promise<RestartableServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-restart-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const cmd = (bin: string, args: string[]): [string, string[]] => (root ? ['runuser', ['-u', 'postgres', '--', join(postgresBin, bin), ...args]] : [join(postgresBin, bin), args]);
  const init = spawnSync(...cmd('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']), { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const args = ['-D', data, '-k', '/tmp', '-p', String(port), '-h', '127.0.0.1', '-c', 'fsync=on', '-c', 'synchronous_commit=on'];
  const ready = 'database system is ready to accept connections';
  let child = await launch(...cmd('postgres', args), ready);
  // The child may be runuser: signal the postmaster itself, by the pid it records.
  const postmaster = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await kill(child, 'SIGQUIT', postmaster());
      child = await launch(...cmd('postgres', args), ready);
    },
    async stop() {
      await kill(child, 'SIGINT', postmaster());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function launch(binary: string, args: string[], readyLine: string): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`${binary} did not start in 30 s:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(readyLine)) done();
    };
    const onExit = (code: number | null) => done(new Error(`${binary} exited with ${code}:\n${log}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(child);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function kill(child: ChildProcess, signal: NodeJS.Signals, pid = child.pid): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (pid !== undefined) process.kill(pid, signal);
  const timer = setTimeout(() => pid !== undefined && process.kill(pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
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
