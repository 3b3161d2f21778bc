/**
 * `node --import tsx bench/compare.ts <case>` (after `npm run build`): one case of the
 * compare workload (bench/compare/workload.ts) per process. Each case is a file under
 * bench/compare/ exporting `open(): Promise<CompareTarget>`; add a line to `cases` (and the
 * name to the `compare` group in bench/run.ts) to add one.
 */
import type { CompareTarget } from './compare/workload.js';
import { runCompare } from './compare/workload.js';

const cases: Record<string, () => Promise<{ open(): Promise<CompareTarget> }>> = {
  'compare.switchyard.sqlite': () => import('./compare/switchyard-sqlite.js'),
  'compare.switchyard.postgres': () => import('./compare/switchyard-postgres.js'),
  'compare.switchyard.redis': () => import('./compare/switchyard-redis.js'),
  'compare.native.bullmq': () => import('./compare/native-bullmq.js'),
  'compare.native.pg-boss': () => import('./compare/native-pg-boss.js'),
  'compare.switchyard.rabbitmq': () => import('./compare/switchyard-rabbitmq.js'),
  'compare.switchyard.nats': () => import('./compare/switchyard-nats.js'),
  'compare.native.amqplib-quorum': () => import('./compare/native-amqplib-quorum.js'),
  'compare.native.amqplib-quorum.window32': () => import('./compare/native-amqplib-quorum-window32.js'),
  'compare.native.jetstream': () => import('./compare/native-jetstream.js'),
};

const name = process.argv[2] ?? '';
const load = cases[name];
if (!load) {
  console.error(`unknown compare case ${JSON.stringify(name)}; cases: ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
const { open } = await load();
await runCompare(name, open);
// Drivers may keep sockets or timers alive after close; the result line is out, so exit.
process.exit(0);
