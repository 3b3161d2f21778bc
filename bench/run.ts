/**
 * `npm run bench -- <group> [case...]`: runs each case of a group in its own Node process (so
 * memory peaks and state do not leak between cases) and passes its JSON lines through.
 * Groups: queue, resilience.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const groups: Record<string, { file: string; cases: string[] }> = {
  queue: {
    file: 'queue.ts',
    cases: ['limit.sqlite.batch-insert', 'queue.e2e.sqlite.fsync', 'queue.e2e.sqlite.relaxed', 'queue.e2e.sqlite.fsync.strict16', 'queue.backlog.1m'],
  },
  resilience: { file: 'resilience.ts', cases: ['all'] },
};

const [group, ...only] = process.argv.slice(2);
const spec = group ? groups[group] : undefined;
if (!spec) {
  console.error(`usage: npm run bench -- <${Object.keys(groups).join('|')}> [case...]`);
  process.exit(2);
}
let failed = false;
for (const name of only.length > 0 ? only : spec.cases) {
  const args = ['--conditions=switchyard-source', '--import', 'tsx', join(import.meta.dirname, spec.file), name];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench case ${name} failed (exit ${r.status ?? r.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
