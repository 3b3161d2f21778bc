/**
 * `npm run bench -- <group> [case...]`: runs each case of a group in its own Node process (so
 * memory peaks and state do not leak between cases) and passes its JSON lines through.
 * Groups: queue, server, resilience, and those the other packages add.
 *
 * The packages run compiled (their dist/, as users run them; `npm run bench` builds first); tsx
 * compiles only the benchmark files. Through tsx every function expression in the packages would
 * also pay esbuild's keep-names wrapper, which made per-call closures look dearer than they are.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A case of the group's file, or `other.ts#case` to run a case of another file in this group. */
const groups: Record<string, { file: string; cases: string[] }> = {
  queue: {
    file: 'queue.ts',
    cases: ['limit.sqlite.batch-insert', 'limit.sqlite.queue-statements', 'queue.e2e.sqlite.fsync', 'queue.e2e.sqlite.fsync.window256', 'queue.e2e.sqlite.relaxed', 'queue.e2e.sqlite.fsync.strict16', 'queue.backlog.1m', 'queue.inspect.200k'],
  },
  // queue.e2e.sqlite.fsync (issue 2's single-message pipeline) is the second in-process reference.
  server: { file: 'server.ts', cases: ['queue.ts#queue.e2e.sqlite.fsync', 'server.inprocess.batch10', 'server.json.batch10', 'server.sqs.batch10', 'server.push.batch10', 'server.longpoll.1000'] },
  // discovery.ts runs its own http.client comparison and passes `resilience.ts:all` on to resilience.ts.
  resilience: { file: 'discovery.ts', cases: ['resilience.ts:all', 'http.client'] },
  stream: { file: 'stream.ts', cases: ['stream.append.sqlite', 'stream.append.postgres', 'stream.consume.group2', 'stream.window.tumbling'] },
  outbox: { file: 'outbox.ts', cases: ['outbox.sqlite', 'outbox.sqlite.fsync', 'outbox.postgres'] },
  // Measurements that inform a design decision rather than a goal (see BENCHMARKS.md).
  experiment: { file: 'queue.ts', cases: ['proto.e2e.sqlite.two-threads', 'queue.e2e.sqlite.fsync'] },
  compare: { file: 'compare.ts', cases: ['compare.switchyard.sqlite', 'compare.switchyard.postgres', 'compare.switchyard.redis', 'compare.native.bullmq', 'compare.native.pg-boss', 'compare.switchyard.rabbitmq', 'compare.native.amqplib-quorum', 'compare.native.amqplib-quorum.window32', 'compare.switchyard.nats', 'compare.native.jetstream'] },
};

const [group, ...only] = process.argv.slice(2);
const spec = group ? groups[group] : undefined;
if (!spec) {
  console.error(`usage: npm run bench -- <${Object.keys(groups).join('|')}> [case...]`);
  process.exit(2);
}
let failed = false;
for (const entry of only.length > 0 ? only : spec.cases) {
  const [file, name] = entry.includes('#') ? (entry.split('#') as [string, string]) : [spec.file, entry];
  const args = ['--import', 'tsx', join(import.meta.dirname, file), name];
  // The AWS SDK's Node-version notice (see scripts/test.mjs) would interleave with the JSON lines.
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env } });
  if (r.status !== 0) {
    console.error(`bench case ${entry} failed (exit ${r.status ?? r.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
