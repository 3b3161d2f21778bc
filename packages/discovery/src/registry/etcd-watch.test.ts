/**
 * The one etcd behaviour a live server will not show on demand: etcd cancelling a watch (its
 * revision compacted away). A fake namespace stands in for etcd3's.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Namespace } from 'etcd3';
import type { ServiceSnapshot } from '../instance.js';
import { encode } from './etcd-codec.js';
import { EtcdServiceWatch } from './etcd-watch.js';

const stored = (id: string, port: number) =>
  encode({ id, service: 'svc', address: { host: 'h', port }, metadata: {}, version: undefined, zone: undefined, weight: 1, health: 'passing', note: undefined, registeredAt: 0 });

function fakeNamespace() {
  const state = { revision: 10, kvs: [{ id: 'a', port: 1 }], watchers: [] as (EventEmitter & { from: string; cancelled: boolean })[] };
  const kv = (id: string, port: number, rev: number) => ({ key: Buffer.from(`svc/${id}`), value: Buffer.from(stored(id, port)), mod_revision: String(rev) });
  const ns = {
    getAll: () => ({ prefix: () => ({ exec: async () => ({ header: { revision: String(state.revision) }, kvs: state.kvs.map((k) => kv(k.id, k.port, state.revision)) }) }) }),
    watch: () => {
      let from = '';
      const builder = {
        prefix: () => builder,
        startRevision: (r: string) => ((from = r), builder),
        create: async () => {
          const w = Object.assign(new EventEmitter(), { from, cancelled: false, cancel: async () => void (w.cancelled = true) });
          state.watchers.push(w);
          return w;
        },
      };
      return builder;
    },
  } as unknown as Namespace;
  return { ns, state, kv };
}

test('a watch that etcd cancels reads the service again and follows on from the new revision', async () => {
  const { ns, state, kv } = fakeNamespace();
  const seen: ServiceSnapshot[] = [];
  const w = new EtcdServiceWatch(ns, 'svc', (s) => seen.push(s), () => {});
  await w.start();
  assert.deepEqual(seen.map((s) => [s.index, s.instances.map((i) => i.id)]), [[10, ['a']]]);
  assert.equal(state.watchers[0]!.from, '11', 'follows from the revision after the read');

  // Meanwhile b joined, and the watch's history was compacted away: etcd cancels it.
  state.revision = 50;
  state.kvs.push({ id: 'b', port: 2 });
  state.watchers[0]!.emit('error', new Error('Watcher canceled: mvcc: required revision has been compacted'));
  for (let i = 0; i < 100 && state.watchers.length < 2; i++) await new Promise((r) => setImmediate(r));
  assert.equal(state.watchers.length, 2, 'a new watcher was made');
  assert.deepEqual(seen.map((s) => [s.index, s.instances.map((i) => i.id)]), [[10, ['a']], [50, ['a', 'b']]]);
  assert.equal(state.watchers[1]!.from, '51');

  state.watchers[0]!.emit('data', { header: { revision: '60' }, events: [{ type: 'Delete', kv: kv('a', 1, 60) }] });
  assert.equal(seen.length, 2, 'the cancelled watcher is ignored');
  state.watchers[1]!.emit('data', { header: { revision: '61' }, events: [{ type: 'Delete', kv: kv('a', 1, 61) }] });
  assert.deepEqual(seen.at(-1)!.instances.map((i) => i.id), ['b']);
  assert.equal(seen.at(-1)!.index, 61);
  await w.close();
  assert.equal(state.watchers[1]!.cancelled, true);
});
