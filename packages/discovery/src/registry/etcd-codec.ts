/** How an instance is stored in etcd: one JSON value per key `<service>/<id>` (under the prefix). */
import type { IKeyValue, Namespace } from 'etcd3';
import { instanceFromSpec, type Instance, type ServiceSnapshot } from '../instance.js';

export function keyOf(service: string, id: string): string {
  return `${service}/${id}`;
}

type Stored = Omit<Instance, 'modifyIndex'>;

export function encode(i: Stored): string {
  const { id, service, address, metadata, version, zone, weight, health, note, registeredAt } = i;
  return JSON.stringify({ id, service, address, metadata, version, zone, weight, health, note, registeredAt });
}

/** The instance in a key (its modifyIndex is the key's revision), or undefined when not one. */
export function decode(kv: IKeyValue): Instance | undefined {
  try {
    const raw = JSON.parse(kv.value.toString()) as Stored;
    const inst = instanceFromSpec(raw, Number(raw.registeredAt), Number(kv.mod_revision));
    return { ...inst, note: typeof raw.note === 'string' ? raw.note : undefined };
  } catch {
    return undefined;
  }
}

export function toSnapshot(service: string, index: number, byId: ReadonlyMap<string, Instance>): ServiceSnapshot {
  const instances = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { service, index, instances };
}

/** The service's instances and the revision they were read at. */
export async function readService(ns: Namespace, service: string): Promise<{ revision: number; byId: Map<string, Instance> }> {
  const res = await ns.getAll().prefix(`${service}/`).exec();
  const byId = new Map<string, Instance>();
  for (const kv of res.kvs) {
    const inst = decode(kv);
    if (inst) byId.set(inst.id, inst);
  }
  return { revision: Number(res.header.revision), byId };
}
