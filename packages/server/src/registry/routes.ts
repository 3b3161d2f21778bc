import type { Clock } from '@switchyard/core';
import { InstanceNotFoundError, type MemoryRegistry } from '@switchyard/discovery/registry';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../request-signal.js';
import type { LeaseTable } from './lease-table.js';
import { nextSnapshot } from './next-snapshot.js';
import { healthRequest, pollQuery, registerRequest } from './wire.js';

export interface RegistryHost {
  registry: MemoryRegistry;
  leases: LeaseTable;
  /** The server's clock: leases expire, and watch polls time out, on it. */
  clock: Clock;
}

interface ServiceParams {
  service: string;
}
interface InstanceParams extends ServiceParams {
  id: string;
}
interface LeaseParams extends ServiceParams {
  lease: string;
}

/**
 * The service registry (discovery's MemoryRegistry, on the server's clock) over HTTP; the client
 * is discovery's RemoteRegistry. Leases expire on the server without any client action.
 *
 * Permissions, on the service name: `register` to register, renew, revoke, deregister and set
 * health; `discover` to read and watch; listing every service needs `discover` on `*`.
 */
export function registryRoutes(app: FastifyInstance, ctx: ServerContext, host: RegistryHost): void {
  const { registry, leases, clock } = host;
  const { metrics } = ctx;

  app.get('/v1/registry/services', async (req) => {
    ctx.authorize(req, 'discover', '*');
    const names = await registry.services();
    const services = await Promise.all(
      names.map(async (service) => {
        const s = await registry.get(service);
        return { service, index: s.index, instances: s.instances.length };
      }),
    );
    return { services };
  });

  // A long poll with ?index=N&waitMs=W (see next-snapshot.ts); at once without them.
  app.get<{ Params: ServiceParams; Querystring: { index?: unknown; waitMs?: unknown } }>('/v1/registry/services/:service', async (req, reply) => {
    const { service } = req.params;
    ctx.authorize(req, 'discover', service);
    const { index, waitMs } = pollQuery(req.query);
    if (index === undefined || waitMs === 0) return registry.get(service);
    // Ends early, with the current snapshot, when the server shuts down or the client goes away.
    const gone = requestSignal(reply, ctx.shutdown);
    metrics.registryWatches.inc();
    try {
      return await nextSnapshot(registry, service, index, waitMs, clock, gone.signal);
    } finally {
      gone.release();
      metrics.registryWatches.dec();
    }
  });

  app.get<{ Params: InstanceParams }>('/v1/registry/services/:service/instances/:id', async (req) => {
    const { service, id } = req.params;
    ctx.authorize(req, 'discover', service);
    const instance = (await registry.get(service)).instances.find((i) => i.id === id);
    if (!instance) throw new InstanceNotFoundError(service, id);
    return instance;
  });

  // Each PUT takes a new lease; the instance's previous lease (if any) learns it was replaced.
  app.put<{ Params: InstanceParams; Body: unknown }>('/v1/registry/services/:service/instances/:id', async (req) => {
    const { service, id } = req.params;
    ctx.authorize(req, 'register', service);
    const { spec, ttlMs } = registerRequest(service, id, req.body);
    const lease = await leases.register(spec, ttlMs);
    return { lease: { id: lease.id, ttlMs: lease.ttlMs } };
  });

  app.delete<{ Params: InstanceParams }>('/v1/registry/services/:service/instances/:id', async (req) => {
    const { service, id } = req.params;
    ctx.authorize(req, 'register', service);
    return { deregistered: await leases.deregister(service, id) };
  });

  app.put<{ Params: InstanceParams; Body: unknown }>('/v1/registry/services/:service/instances/:id/health', async (req) => {
    const { service, id } = req.params;
    ctx.authorize(req, 'register', service);
    const { health, note, force } = healthRequest(req.body);
    return { changed: await registry.setHealth(service, id, health, { ...(note === undefined ? {} : { note }), force }) };
  });

  app.post<{ Params: LeaseParams }>('/v1/registry/services/:service/leases/:lease/renew', async (req) => {
    const { service, lease } = req.params;
    ctx.authorize(req, 'register', service);
    const renewed = await leases.renew(service, lease);
    return { lease: { id: renewed.id, ttlMs: renewed.ttlMs } };
  });

  app.delete<{ Params: LeaseParams }>('/v1/registry/services/:service/leases/:lease', async (req) => {
    const { service, lease } = req.params;
    ctx.authorize(req, 'register', service);
    await leases.revoke(service, lease);
    return { ok: true };
  });
}
