/**
 * A private, throwaway PostgreSQL cluster for tests and benchmarks: `initdb` on a temp data dir,
 * `postgres` on loopback and a free port, one fresh database per `createDatabase()`. `stop()`
 * shuts it down and removes the dir. `initdb` and `postgres` refuse to run as root, so when this
 * process is root they run as the `postgres` user (`runuser -u postgres --`) on a dir it owns.
 *
 * `startPostgres()` resolves to undefined when the binaries are missing, so callers skip with
 * `postgresSkipReason` instead of failing:
 *
 *   const pg = await startPostgres();
 *   if (!pg) return t.skip(postgresSkipReason);
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitForReady } from './daemon.js';
import type { ServerKind } from './private-server.js';

export const postgresBin = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
export const postgresSkipReason = 'PostgreSQL is not installed (apt-get install postgresql; .ci/run installs it)';

export interface PostgresServer extends AsyncDisposable {
  readonly port: number;
  /** Connection string of the database created at start. */
  readonly url: string;
  /** Creates another empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /**
   * Whether the server fsyncs its WAL. Default false: tests kill clients, never the server, so
   * durability against power loss buys nothing there; benchmarks pass true to measure honestly.
   */
  fsync?: boolean;
}

export function postgresAvailable(): boolean {
  return existsSync(join(postgresBin, 'initdb')) && existsSync(join(postgresBin, 'postgres'));
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer | undefined> {
  if (!postgresAvailable()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  const data = join(dir, 'data');
  const owner = asRoot() ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  try {
    const init = spawnSync(...command(owner, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']), { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}):\n${init.stderr}`);
    // Another process can take the port between probing and binding; try a few.
    let lastError: unknown;
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      try {
        return await launch(dir, data, port, owner, options);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(dir: string, data: string, port: number, owner: Owner | undefined, options: PostgresOptions): Promise<PostgresServer> {
  const args = ['-D', data, '-k', '/tmp', '-p', String(port), '-h', '127.0.0.1', '-c', `fsync=${options.fsync ? 'on' : 'off'}`, '-c', 'max_connections=200'];
  if (!options.fsync) args.push('-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(...command(owner, 'postgres', args), { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForReady(child, 'postgres', /database system is ready to accept connections/, 30_000);
  const pid = postmasterPid(data);
  // A test process that dies without stopping the server must not leave it running.
  const onExit = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const createDatabase = async (name: string) => {
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return `${base}/${name}`;
  };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        signal(pid, 'SIGINT'); // fast shutdown: roll back open transactions, close connections
        const timer = setTimeout(() => signal(pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const url = await createDatabase('switchyard_test');
    return { port, url, createDatabase, stop, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface Owner {
  uid: number;
  gid: number;
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUser(): Owner {
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as');
  return { uid, gid };
}

function command(owner: Owner | undefined, binary: string, args: string[]): [string, string[]] {
  const path = join(postgresBin, binary);
  return owner ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

function postmasterPid(data: string): number {
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('postmaster.pid holds no pid');
  return pid;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** For onPrivateServer (private-server.ts). */
export const postgresKind: ServerKind<PostgresServer> = { what: 'a real PostgreSQL server', available: postgresAvailable, skipReason: postgresSkipReason, start: () => startPostgres() };
