/**
 * The conformance suite against a real `switchyard server --test-clock` process, through the
 * remote engine (push channel for leases and settling, HTTP for the rest). One server for the
 * file: each case starts from a reset (no queues, topics or streams) on a ServerClock that picks
 * up at the server's present, so cases stay independent while time only moves forward.
 */
import { after, before } from 'node:test';
import { openRemoteEngine, ServerClock } from '@switchyard/remote';
import { runConformance } from '@switchyard/testkit';
import type { ServerProcess } from '../support/server-process.js';
import { resetServer, startTestClockServer } from './support.js';

let server: ServerProcess;
before(async () => {
  server = await startTestClockServer();
});
after(async () => {
  await server.stop();
  server.cleanup();
});

runConformance({
  name: 'remote engine on a server process',
  clock: () => ServerClock.connect(server.url),
  open: async ({ clock }) => {
    await resetServer(server.url);
    return openRemoteEngine({ url: server.url, clock });
  },
  // A second client of the same server, as another service would be.
  peer: ({ clock }) => openRemoteEngine({ url: server.url, clock }),
});
