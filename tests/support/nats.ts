/**
 * A throwaway nats-server with JetStream for tests and benchmarks: loopback only, a free port,
 * file storage in a temp dir that survives `restart()` (so a fault test can bounce the process
 * without losing what the server acknowledged) and is removed on `stop()`. `startNats()`
 * resolves to undefined when the binary is missing, so callers can skip with a reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './daemon.js';
import type { ServerKind } from './private-server.js';

export { freePort };

export const natsBinary = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
export const natsSkipReason = 'nats-server is not installed (apt-get install nats-server; .ci/run installs it)';

export interface NatsServer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Stops the process (SIGTERM, or SIGKILL when `hard`) and starts it again on the same port and data. */
  restart(options?: { hard?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export function natsAvailable(): boolean {
  return existsSync(natsBinary);
}

export async function startNats(): Promise<NatsServer | undefined> {
  if (!natsAvailable()) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-nats-'));
  let lastError: unknown;
  // Another process can take the port between probing and binding; try a few.
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    try {
      let child = await launch(port, dir);
      const kill = async (signal: NodeJS.Signals) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      };
      // If this process ends without stop() (a crash, process.exit), do not leave the server running.
      const onExit = () => {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', onExit);
      let stopped: Promise<void> | undefined;
      const stop = () =>
        (stopped ??= (async () => {
          await kill('SIGTERM');
          await rm(dir, { recursive: true, force: true });
          process.off('exit', onExit);
        })());
      const restart = async (options: { hard?: boolean } = {}) => {
        await kill(options.hard ? 'SIGKILL' : 'SIGTERM');
        child = await launch(port, dir);
      };
      return { port, url: `nats://127.0.0.1:${port}`, restart, stop, [Symbol.asyncDispose]: stop };
    } catch (err) {
      lastError = err;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  const child = spawn(natsBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await ready(child);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

/** Resolves when the server logs that it is ready; rejects if it exits or stalls. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`nats-server did not start in 15 s:\n${log}`)), 15_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) done();
    };
    const onExit = (code: number | null) => done(new Error(`nats-server exited with ${code}:\n${log}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining output so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    }
    // nats-server logs to stderr.
    child.stderr?.on('data', onData);
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.once('exit', onExit);
  });
}

/** For onPrivateServer (private-server.ts). */
export const natsKind: ServerKind<NatsServer> = { what: 'a real nats-server', available: natsAvailable, skipReason: natsSkipReason, start: () => startNats() };
