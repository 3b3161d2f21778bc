import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');

/** The README's first TypeScript example, as a reader would paste it. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(match?.[1], 'README.md has an "## Example" section with a ts block');
  return match[1];
}

void test('the README example runs as written: the poison order lands in the dead-letter queue and is redriven', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
  try {
    const code = readmeExample()
      .replace("from 'switchyard'", `from ${JSON.stringify(join(root, 'packages', 'switchyard', 'src', 'index.ts'))}`)
      .replace("path: 'orders.db'", `path: ${JSON.stringify(join(dir, 'orders.db'))}`);
    assert.ok(code.includes(join(dir, 'orders.db')), 'the example opens orders.db');
    const after = `\nconsole.log('ready after redrive:', (await orders.stats()).ready);\n`;
    const file = join(dir, 'example.mts'); // .mts: an ES module wherever it sits
    writeFileSync(file, code + after);
    const r = spawnSync(process.execPath, ['--conditions=switchyard-source', '--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "{ orderId: 'B-2', total: -1 } max-receives Error: negative total on B-2\nready after redrive: 1\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
