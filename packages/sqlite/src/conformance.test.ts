import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runConformance } from '@switchyard/testkit';
import { openSqliteEngine } from './index.js';

runConformance({ name: 'sqlite :memory:', open: ({ clock }) => openSqliteEngine({ clock }) });

const dir = mkdtempSync(join(tmpdir(), 'switchyard-conformance-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
runConformance({ name: 'sqlite file', open: ({ clock }) => openSqliteEngine({ clock, path: join(dir, `c${n++}.db`) }) });
