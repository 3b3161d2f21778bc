import { after, before, describe, it } from 'node:test';
import { runConformance } from '@switchyard/testkit';
import { SettledClock } from '../../../tests/engines/settled-clock.js';
import { postgresAvailable, postgresSkipReason, startPostgres, type PostgresServer } from '../../../tests/support/postgres.js';
import { openPostgresEngine } from './index.js';

/**
 * The conformance suite against a private PostgreSQL server. Each case gets its own schema, so
 * it starts from an empty broker as the suite requires.
 */
if (!postgresAvailable()) {
  void describe('switchyard conformance: postgres', () => {
    void it('runs against a real PostgreSQL server', (t) => t.skip(postgresSkipReason));
  });
} else {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());
  let n = 0;
  runConformance({
    name: 'postgres',
    clock: () => new SettledClock(),
    open: async ({ clock }) => {
      if (!server) throw new Error('the PostgreSQL server did not start');
      const engine = await openPostgresEngine({ url: server.url, schema: `conformance_${process.pid}_${n++}`, clock, poolSize: 4, sweepIntervalMs: 60_000 });
      if (clock instanceof SettledClock) clock.engine = engine;
      return engine;
    },
  });
}
