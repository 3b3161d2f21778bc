/**
 * Bundles a crash worker (TypeScript, workspace packages from source) into one ESM file, so
 * each of the many worker starts costs a plain `node file.mjs` (~0.2 s) instead of loading tsx
 * and transforming every module again (~0.7 s, twice that with two at once on two cores).
 * Third-party packages stay external and resolve from the repository's node_modules, which is
 * why the bundle is written under node_modules/.cache.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const root = join(import.meta.dirname, '..', '..');
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@switchyard/') ? undefined : { path: args.path, external: true }));
  },
};

export interface Bundle extends Disposable {
  file: string;
}

export async function bundleWorker(source: string): Promise<Bundle> {
  const dir = join(root, 'node_modules', '.cache', 'switchyard-crash', String(process.pid));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, basename(source).replace(/\.ts$/, '.mjs'));
  const options: BuildOptions = { bundle: true, platform: 'node', format: 'esm', target: 'node20', conditions: ['switchyard-source'], plugins: [externalPackages], logLevel: 'error' };
  await build({ ...options, entryPoints: [source], outfile: file });
  // The SQLite engine's checkpoint thread runs checkpoint-worker.js from beside the module that
  // starts it: here, beside the bundle.
  await build({ ...options, entryPoints: [join(root, 'packages', 'sqlite', 'src', 'checkpoint-worker.ts')], outfile: join(dir, 'checkpoint-worker.js') });
  return { file, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}
