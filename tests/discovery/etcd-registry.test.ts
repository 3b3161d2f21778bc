/**
 * The registry contract on a real etcd: leases, expiry and watches on etcd's own clock. One
 * server for the file; each test uses its own client and unique service names.
 */
import { after, before } from 'node:test';
import { EtcdRegistry } from '@switchyard/discovery';
import { registryContract } from '../../packages/discovery/src/testing/registry-contract.js';
import { etcdAvailable, etcdSkipReason, startEtcd, type EtcdServer } from '../support/etcd.js';

let server: EtcdServer | undefined;
before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server?.stop();
});

registryContract('EtcdRegistry', {
  skip: etcdAvailable() ? undefined : etcdSkipReason,
  make: async () => {
    const registry = new EtcdRegistry({ hosts: server!.endpoint, prefix: `test-${process.pid}/` });
    return {
      registry,
      ttlMs: 1000,
      // Leases run on etcd's clock: let real time pass.
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      close: () => registry.close(),
    };
  },
});
