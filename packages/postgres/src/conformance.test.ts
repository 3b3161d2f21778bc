import type { ManualClock } from '@switchyard/core';
import { runConformance, StoreKeys } from '@switchyard/testkit';
import { SettledClock } from '../../../tests/engines/settled-clock.js';
import { postgresKind } from '../../../tests/support/postgres.js';
import { onPrivateServer } from '../../../tests/support/private-server.js';
import { openPostgresEngine } from './index.js';

/**
 * The conformance suite against a private PostgreSQL server. Each case gets its own schema, so
 * it starts from an empty broker as the suite requires; a peer is another engine on that schema,
 * as another process would open it.
 */
onPrivateServer('switchyard conformance: postgres', postgresKind, (server) => {
  let n = 0;
  const schemas = new StoreKeys<string>();
  const open = async (clock: ManualClock, schema: string) => {
    const engine = await openPostgresEngine({ url: server().url, schema, clock, poolSize: 4, sweepIntervalMs: 60_000 });
    return schemas.remember(engine, schema);
  };
  runConformance({
    name: 'postgres',
    clock: () => new SettledClock(),
    open: async ({ clock }) => {
      const engine = await open(clock, `conformance_${process.pid}_${n++}`);
      if (clock instanceof SettledClock) clock.engine = engine;
      return engine;
    },
    peer: ({ clock, engine }) => open(clock, schemas.of(engine)),
  });
});
