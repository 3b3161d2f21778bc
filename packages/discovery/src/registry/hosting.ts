/**
 * `@switchyard/discovery/registry`: what a process that hosts a registry needs (the Switchyard
 * server does): the contract, MemoryRegistry, the instance model and the errors. Without the
 * clients, so importing it loads neither undici nor grpc-js nor etcd3.
 */
export * from '../errors.js';
export * from '../instance.js';
export type { Lease, RegisterOptions, Registry, SetHealthOptions, Watch, WatchListener } from './registry.js';
export * from './memory.js';
