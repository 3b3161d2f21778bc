/**
 * Rounds of crash-and-restart for the outbox and inbox scenarios: start worker processes, wait
 * until each says "ready", then SIGKILL each at its own random moment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { kill9 } from '../support/spawn-ts.js';

export interface Worker {
  /** A bundled worker (see bundle.ts): plain JavaScript. */
  file: string;
  args: string[];
}

/** Starts a worker and resolves once it printed "ready" (rejects if it exits first). */
export function startWorker(w: Worker): Promise<ChildProcess> {
  const child = spawn(process.execPath, [w.file, ...w.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.pipe(process.stderr);
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`${w.file} exited (${code ?? signal}) before it was ready`));
    child.once('exit', onExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) {
        child.off('exit', onExit);
        child.stdout?.resume();
        resolve(child);
      }
    });
  });
}

/** One round: every worker started, then each killed between `minMs` and `maxMs` after it was ready. */
export async function crashRound(workers: Worker[], minMs: number, maxMs: number): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      const child = await startWorker(w);
      await new Promise((r) => setTimeout(r, minMs + Math.random() * (maxMs - minMs)));
      await kill9(child);
    }),
  );
}

/** Runs a worker to completion (the final, kill-free drain). */
export async function runToEnd(w: Worker): Promise<void> {
  const child = await startWorker(w);
  const code = child.exitCode ?? (await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))));
  if (code !== 0) throw new Error(`${w.file} failed with exit code ${code}`);
}

export function countLines(log: string, prefix: string): number {
  return log.split('\n').filter((l) => l.startsWith(prefix)).length;
}
