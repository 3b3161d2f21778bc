/**
 * What every throwaway test server needs: a free loopback port, waiting for the line that says
 * it is ready, a stop that escalates to SIGKILL, and a few tries when a port is taken between
 * probing and binding.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs `launch` up to `tries` times: another process can take a probed port before we bind it. */
export async function withPortRetries<T>(launch: () => Promise<T>, tries = 3): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await launch();
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * Resolves when the child's stdout or stderr shows `ready`; rejects (and kills it) if it exits
 * or stays silent past `timeoutMs`. Output keeps draining afterwards, so a chatty server never
 * blocks on a full pipe.
 */
export function waitForReady(child: ChildProcess, name: string, ready: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`${name} did not start in ${timeoutMs / 1000} s:\n${log.slice(-4000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (ready.test(log)) done();
    };
    const onExit = (code: number | null) => done(new Error(`${name} exited with ${code}:\n${log.slice(-4000)}`));
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
      } else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after 5 s; then removes `dir` if given. Safe to call twice. */
export function stopper(child: ChildProcess, dir?: string): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    })());
}
