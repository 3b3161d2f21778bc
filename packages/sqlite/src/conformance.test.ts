import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runConformance, StoreKeys } from '@switchyard/testkit';
import { openSqliteEngine } from './index.js';

runConformance({ name: 'sqlite :memory:', open: ({ clock }) => openSqliteEngine({ clock }) });

const dir = mkdtempSync(join(tmpdir(), 'switchyard-conformance-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const files = new StoreKeys<string>();
runConformance({
  name: 'sqlite file',
  open: async ({ clock }) => {
    const path = join(dir, `c${n++}.db`);
    return files.remember(await openSqliteEngine({ clock, path }), path);
  },
  // Another connection to the same file, as a second process would open it.
  peer: ({ clock, engine }) => openSqliteEngine({ clock, path: files.of(engine) }),
});
