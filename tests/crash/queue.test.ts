/**
 * Crash safety of the embedded engine: a producer and two consumers share one database file and
 * are killed with SIGKILL at random moments, round after round, alternating the two durability
 * modes. Afterwards the file must account for everything:
 *   - every send that had resolved was received, or is still stored (queue or DLQ): lost = 0;
 *   - no message whose ack had resolved is ever delivered again: redelivered_after_ack = 0;
 *   - no lease is handed out twice (each (message, attempt) pair appears once);
 *   - the DLQ holds exactly as many messages as the source queue counted as dead-lettered;
 *   - the file passes SQLite's integrity check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Broker } from '@switchyard/core';
import { openBroker } from '@switchyard/sqlite';
import { kill9, spawnTs } from '../support/spawn-ts.js';

const rounds = Number(process.env.CRASH_ROUNDS ?? 50);
const workers = join(import.meta.dirname, 'workers');

test(`queue survives SIGKILL of producers and consumers (${rounds} rounds)`, { timeout: 15 * 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
  const db = join(dir, 'crash.db');
  const log = join(dir, 'events.log');
  try {
    await setUp(db);
    for (let round = 0; round < rounds; round++) {
      const durability = round % 2 === 0 ? 'fsync' : 'relaxed';
      const procs = [
        spawnTs(join(workers, 'producer.ts'), [db, log, String(round), durability]),
        spawnTs(join(workers, 'consumer.ts'), [db, log, durability]),
        spawnTs(join(workers, 'consumer.ts'), [db, log, durability]),
      ];
      // Each process dies at its own random moment, from start-up to well into its work.
      await Promise.all(procs.map((p) => sleep(200 + Math.random() * 1200).then(() => kill9(p))));
    }
    const verdict = await check(db, readFileSync(log, 'utf8'));
    console.log(`crash: rounds=${rounds} acked_sends=${verdict.sent} lost=${verdict.lost} redelivered_after_ack=${verdict.redeliveredAfterAck}`);
    console.log(
      `crash: detail received=${verdict.received} acked=${verdict.acked} drained=${verdict.drained} dead_lettered=${verdict.deadLettered} double_leased=${verdict.doubleLeased}`,
    );
    assert.ok(verdict.sent > 0, 'the producers never got a send through; the test proved nothing');
    assert.ok(verdict.acked > 0, 'the consumers never acked; the test proved nothing');
    assert.equal(verdict.lost, 0, 'messages whose send had resolved were lost');
    assert.equal(verdict.redeliveredAfterAck, 0, 'messages were delivered again after their ack resolved');
    assert.equal(verdict.doubleLeased, 0, 'a lease was handed out twice');
    assert.equal(verdict.deadLettered, verdict.dlqCounted, 'the DLQ does not hold what the source counted as dead-lettered');
    assert.equal(verdict.integrity, 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function setUp(path: string): Promise<void> {
  const broker = await openBroker({ path });
  await broker.createQueue('work-dlq');
  await broker.createQueue('work', { visibilityTimeoutMs: 2000, deadLetter: { queue: 'work-dlq', maxReceives: 3 } });
  await broker.close();
}

interface Verdict {
  sent: number;
  received: number;
  acked: number;
  drained: number;
  deadLettered: number;
  dlqCounted: number;
  lost: number;
  redeliveredAfterAck: number;
  doubleLeased: number;
  integrity: string;
}

async function check(path: string, events: string): Promise<Verdict> {
  const sent = new Set<string>();
  const received = new Set<string>();
  const acked = new Set<string>();
  const leases = new Set<string>();
  let redeliveredAfterAck = 0;
  let doubleLeased = 0;
  for (const line of events.split('\n')) {
    const [kind, id, attempt] = line.split(' ');
    if (!id) continue;
    if (kind === 'sent') sent.add(id);
    else if (kind === 'ack') acked.add(id);
    else if (kind === 'recv') {
      if (acked.has(id)) redeliveredAfterAck++;
      received.add(id);
      const lease = `${id}#${attempt}`;
      if (leases.has(lease)) doubleLeased++;
      leases.add(lease);
    }
  }
  const broker = await openBroker({ path });
  try {
    const drained = await drain(broker);
    for (const id of drained) if (acked.has(id)) redeliveredAfterAck++;
    const dlq = await allIds(broker, 'work-dlq');
    const stats = await broker.queue('work').stats();
    const accounted = new Set([...received, ...drained, ...dlq]);
    const lost = [...sent].filter((id) => !accounted.has(id)).length;
    const engine = broker.engine as unknown as { options: { path: string } };
    assert.equal(engine.options.path, path);
    return {
      sent: sent.size,
      received: received.size,
      acked: acked.size,
      drained: drained.length,
      deadLettered: dlq.length,
      dlqCounted: stats.deadLettered,
      lost,
      redeliveredAfterAck,
      doubleLeased,
      integrity: await integrity(path),
    };
  } finally {
    await broker.close();
  }
}

/** Receives until the queue is empty (leases left by killed consumers expire within 2 s). */
async function drain(broker: Broker): Promise<string[]> {
  const queue = broker.queue<{ id: string; poison: boolean }>('work');
  const ids: string[] = [];
  for (;;) {
    const batch = await queue.receive({ max: 100, waitMs: 3000 });
    if (batch.length === 0) {
      const s = await queue.stats();
      if (s.ready + s.leased + s.delayed === 0) return ids;
      continue;
    }
    ids.push(...batch.map((m) => m.id));
    await Promise.all(batch.map((m) => (m.body.poison ? queue.deadLetter(m, { error: 'poison (drain)' }) : queue.ack(m))));
  }
}

async function allIds(broker: Broker, name: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await broker.queue(name).peek({ max: 500, ...(cursor ? { cursor } : {}) });
    ids.push(...page.messages.map((m) => m.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

async function integrity(path: string): Promise<string> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
