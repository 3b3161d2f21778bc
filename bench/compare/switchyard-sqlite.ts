/** compare.switchyard.sqlite: the embedded engine on a temp file, durability fsync. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBroker } from '@switchyard/sqlite';
import { switchyardTarget } from './switchyard-queue.js';
import type { CompareTarget } from './workload.js';

export async function open(): Promise<CompareTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-compare-'));
  const broker = await openBroker({ path: join(dir, 'compare.db'), durability: 'fsync' });
  return switchyardTarget(broker, 'fsync per commit (WAL fdatasync before a write resolves)', async () => rmSync(dir, { recursive: true, force: true }));
}
