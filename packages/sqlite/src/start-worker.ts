import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts one of the engine's threads: `<name>.js` beside this file; or, when this file runs from
 * source (the workspace's tests, through tsx), `<name>.ts` with tsx registered in the thread first,
 * since a worker does not inherit the loader hooks of the thread that starts it. An application
 * bundled into one file must ship these files from `dist/` beside the bundle (README).
 */
export function startWorker(name: 'checkpoint-worker' | 'stats-worker', workerData: unknown): Worker {
  const fromSource = extname(fileURLToPath(import.meta.url)) === '.ts';
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, import.meta.url);
  if (!fromSource) return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
