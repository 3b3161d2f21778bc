// Receives, logs each delivery, acks good messages (logging the ack once it resolved), nacks
// poison ones with an error (they die after maxReceives) or dead-letters them outright.
// Usage: consumer.ts <db> <log> <durability>
import { isSwitchyardError } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';
import { openLog } from './log.js';

const [path, logPath, durability] = process.argv.slice(2) as [string, string, 'fsync' | 'relaxed'];
const log = openLog(logPath);
const broker = await openBroker({ path, durability });
const queue = broker.queue<{ id: string; poison: boolean }>('work');

async function handle(m: Awaited<ReturnType<typeof queue.receive>>[number]): Promise<void> {
  log.write(`recv ${m.id} ${m.attempt}`);
  try {
    if (!m.body.poison) {
      await queue.ack(m);
      log.write(`ack ${m.id}`);
    } else if (m.attempt === 1 && Math.random() < 0.3) {
      await queue.deadLetter(m, { error: 'poison' });
    } else {
      await queue.nack(m, { error: new Error('cannot handle') });
    }
  } catch (err) {
    // A lease that ended under us is expected after a kill; anything else is a bug.
    if (!isSwitchyardError(err, 'RECEIPT_EXPIRED')) throw err;
  }
}

for (;;) {
  const batch = await queue.receive({ max: 16, waitMs: 200 });
  await Promise.all(batch.map(handle));
}
