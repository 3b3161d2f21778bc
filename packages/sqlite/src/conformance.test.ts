import { runConformance, StoreKeys } from '@switchyard/testkit';
import { tempFiles } from '../../../tests/support/temp-files.js';
import { openSqliteEngine } from './index.js';

runConformance({ name: 'sqlite :memory:', open: ({ clock }) => openSqliteEngine({ clock }) });

const { file } = tempFiles('conformance');
const files = new StoreKeys<string>();
runConformance({
  name: 'sqlite file',
  open: async ({ clock }) => {
    const path = file();
    return files.remember(await openSqliteEngine({ clock, path }), path);
  },
  // Another connection to the same file, as a second process would open it.
  peer: ({ clock, engine }) => openSqliteEngine({ clock, path: files.of(engine) }),
});
