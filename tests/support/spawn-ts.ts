import { spawn, type ChildProcess } from 'node:child_process';

/** Starts a TypeScript file in a new Node process, resolving workspace packages to their sources. */
export function spawnTs(file: string, args: string[], options: { stdio?: 'ignore' | 'inherit' | 'pipe' } = {}): ChildProcess {
  return spawn(process.execPath, ['--conditions=switchyard-source', '--import', 'tsx', file, ...args], {
    stdio: options.stdio ?? ['ignore', 'ignore', 'inherit'],
  });
}

/** Sends SIGKILL and resolves once the process is gone. */
export function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Resolves when the process exits by itself, with its exit code. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
