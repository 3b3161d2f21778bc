import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A temporary directory for one test file, removed after its tests, and `file()`, which names a
 * new file in it on every call (`<stem><n>.db`).
 */
export function tempFiles(stem: string): { dir: string; file: () => string } {
  const dir = mkdtempSync(join(tmpdir(), `switchyard-${stem}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return { dir, file: () => join(dir, `${stem}${n++}.db`) };
}
