// Sends batches as fast as it can and logs each message id once its send has resolved.
// Usage: producer.ts <db> <log> <round> <durability>
import { openBroker } from '@switchyard/sqlite';
import { openLog } from './log.js';

const [path, logPath, round, durability] = process.argv.slice(2) as [string, string, string, 'fsync' | 'relaxed'];
const log = openLog(logPath);
const broker = await openBroker({ path, durability });
const queue = broker.queue('work');
for (let n = 0; ; ) {
  const size = 1 + Math.floor(Math.random() * 20);
  const batch = Array.from({ length: size }, () => {
    const id = `r${round}-${n++}`;
    // About one in twenty is poison: consumers never manage to handle it.
    return { id, type: 'job', body: { id, poison: Math.random() < 0.05, pad: 'x'.repeat(200) } };
  });
  await queue.sendBatch(batch);
  for (const m of batch) log.write(`sent ${m.id}`);
  // Keep the backlog within what two consumers can work through in a round.
  await new Promise((r) => setTimeout(r, 1));
}
