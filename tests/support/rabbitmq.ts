/**
 * A throwaway RabbitMQ 3.10 node for tests and benchmarks, from the Debian package: loopback only,
 * free ports (AMQP, distribution, epmd, management HTTP), every directory under one temp dir
 * owned by the `rabbitmq` user (the server drops to it when started as root). It takes ~20 s to
 * start, so share one per test file. Its epmd runs on a private port, so stopping the node can
 * end that epmd (by pid) without touching anyone else's. The data survives `restart()`, so a
 * fault test can bounce the broker without losing what it confirmed; `stop()` removes it.
 * `startRabbitMq()` resolves to undefined when the server is not installed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats.js';

const run = promisify(execFile);
export const rabbitBinary = process.env.RABBITMQ_SERVER ?? '/usr/sbin/rabbitmq-server';
const ctl = '/usr/sbin/rabbitmqctl';
export const rabbitSkipReason = 'rabbitmq-server is not installed (apt-get install rabbitmq-server; .ci/run installs it)';

export interface RabbitMqServer extends AsyncDisposable {
  /** amqp://guest:guest@127.0.0.1:<port> */
  readonly url: string;
  /** The management HTTP API, http://guest:guest@127.0.0.1:<port> */
  readonly managementUrl: string;
  /** Stops the node (`rabbitmqctl stop`, or SIGKILL of the VM when `hard`) and starts it again on the same ports and data. */
  restart(options?: { hard?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export function rabbitAvailable(): boolean {
  return existsSync(rabbitBinary) && existsSync(ctl) && userInfo().uid === 0;
}

export const rabbitUnavailableReason = (): string =>
  existsSync(rabbitBinary) ? 'rabbitmq-server must be started as root here (it drops to the rabbitmq user)' : rabbitSkipReason;

export async function startRabbitMq(): Promise<RabbitMqServer | undefined> {
  if (!rabbitAvailable()) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-rabbitmq-'));
  const [amqp, dist, epmd, http] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const node = `sy${amqp}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  await writeFile(
    join(dir, 'rabbitmq.conf'),
    ['listeners.tcp.default = 127.0.0.1:' + amqp, `management.tcp.ip = 127.0.0.1`, `management.tcp.port = ${http}`, 'loopback_users = none', ''].join('\n'),
  );
  await chownTree(dir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqp),
    RABBITMQ_DIST_PORT: String(dist),
    ERL_EPMD_PORT: String(epmd),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_FEATURE_FLAGS_FILE: join(dir, 'feature_flags'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
  };
  let child = await launch(env, node);
  let vm = await vmPid(dir);
  // If this process ends without stop() (a crash, process.exit), do not leave the node running.
  const onExit = () => {
    killQuietly(vm);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const halt = async (hard: boolean) => {
    if (!hard) await run(ctl, ['-n', node, 'stop'], { env, timeout: 30_000 }).catch(() => undefined);
    // A hard stop, or a graceful one that did not finish: kill the VM.
    killQuietly(vm);
    await exited(child);
  };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await halt(false);
      await stopEpmd(env);
      await rm(dir, { recursive: true, force: true });
      process.off('exit', onExit);
    })());
  const restart = async (options: { hard?: boolean } = {}) => {
    await halt(options.hard ?? false);
    child = await launch(env, node);
    vm = await vmPid(dir);
  };
  return {
    url: `amqp://guest:guest@127.0.0.1:${amqp}`,
    managementUrl: `http://guest:guest@127.0.0.1:${http}`,
    restart,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function launch(env: NodeJS.ProcessEnv, node: string): Promise<ChildProcess> {
  const child = spawn(rabbitBinary, [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  // await_startup fails at once while the node has not registered with epmd yet: ask again.
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await run(ctl, ['-n', node, 'await_startup', '--timeout', '60'], { env, timeout: 70_000 });
      return child;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        await stopEpmd(env);
        throw new Error(`rabbitmq-server did not start: ${String(err)}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function vmPid(dir: string): Promise<number> {
  return Number((await readFile(join(dir, 'rabbitmq.pid'), 'utf8')).trim());
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Ends the epmd our node started on its private port (found by that port, killed by pid). */
async function stopEpmd(env: NodeJS.ProcessEnv): Promise<void> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args='], { timeout: 10_000 }).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const [pid, ...args] = line.trim().split(/\s+/);
    if (!args.some((a) => a.endsWith('epmd'))) continue;
    // epmd reads its port from ERL_EPMD_PORT; check the process environment, not a guess.
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(`ERL_EPMD_PORT=${env.ERL_EPMD_PORT}`)) process.kill(Number(pid), 'SIGTERM');
  }
}

async function chownTree(dir: string): Promise<void> {
  const { stdout } = await run('id', ['-u', 'rabbitmq']);
  const { stdout: gid } = await run('id', ['-g', 'rabbitmq']);
  await chown(dir, Number(stdout), Number(gid));
  await run('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
}
