/**
 * The registry routes (registry/routes.ts) in the OpenAPI document; openapi.ts merges these in.
 * Shapes follow discovery's instance.ts.
 */
import { body, int, obj, ok, op, ref, str } from '../openapi-builders.js';

const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$' };
const service = { name: 'service', in: 'path', required: true, schema: name, description: 'Service name' };
const instance = { name: 'id', in: 'path', required: true, schema: name, description: 'Instance id, unique within the service' };
const lease = { name: 'lease', in: 'path', required: true, schema: str, description: 'Lease id, as the registration answered it' };
const health = { enum: ['passing', 'warning', 'critical', 'draining'] };
const leaseInfo = obj({ lease: obj({ id: str, ttlMs: int }) });
const perms = (action: 'register' | 'discover') => ({ description: `Needs \`${action}\` on the service name.` });

export const registryPaths = {
  '/v1/registry/services': {
    get: op('Services with at least one instance, sorted by name', ok(obj({ services: { type: 'array', items: obj({ service: str, index: int, instances: int }) } })), {
      description: 'Needs `discover` on `*`.',
    }),
  },
  '/v1/registry/services/{service}': {
    parameters: [
      service,
      { name: 'index', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'The index of the snapshot the caller has' },
      { name: 'waitMs', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 60000, default: 0 }, description: 'How long to wait for the index to move' },
    ],
    get: op(
      "The service's instances (sorted by id) at an index that grows with every change. With `index` and `waitMs` a long poll: answers as soon as the service's index is not `index` (indexes keep growing across server restarts, though the registry lives in memory and starts empty), else with the unchanged snapshot after `waitMs` on the server's clock, or at once when the client goes away or the server shuts down. An unknown service has no instances",
      ok(ref('ServiceSnapshot')),
      perms('discover'),
    ),
  },
  '/v1/registry/services/{service}/instances/{id}': {
    parameters: [service, instance],
    get: op('One instance; 404 INSTANCE_NOT_FOUND when not listed', ok(ref('Instance')), perms('discover')),
    put: op(
      'Register: list the instance under a new lease of `ttlMs` (at most a day), replacing an entry with the same id (whose lease then fails to renew with 409 LEASE_EXPIRED, reason replaced). The instance stays listed while the lease is renewed within its TTL; the server removes it when it is not',
      ok(leaseInfo),
      { ...body(obj({ ttlMs: { type: 'number', exclusiveMinimum: 0, maximum: 86400000 }, address: ref('Address'), metadata: { type: 'object', additionalProperties: str, maxProperties: 64 }, version: str, zone: str, weight: { type: 'integer', minimum: 1, maximum: 1000, default: 1 }, health: { ...health, default: 'passing' } }, ['ttlMs', 'address'])), ...perms('register') },
    ),
    delete: op('Deregister: remove the instance now, whatever lease holds it', ok(obj({ deregistered: { type: 'boolean', description: 'False when it was not listed' } })), perms('register')),
  },
  '/v1/registry/services/{service}/instances/{id}/health': {
    parameters: [service, instance],
    put: op(
      "Set the instance's health. `passing` and `warning` take traffic, `critical` and `draining` do not; `draining` is sticky: a change away from it is ignored (changed: false) unless `force`. 404 INSTANCE_NOT_FOUND when not listed",
      ok(obj({ changed: { type: 'boolean' } })),
      { ...body(obj({ health, note: { type: 'string', maxLength: 1024 }, force: { type: 'boolean', default: false } }, ['health'])), ...perms('register') },
    ),
  },
  '/v1/registry/services/{service}/leases/{lease}/renew': {
    parameters: [service, lease],
    post: op('Heartbeat: extend the lease to a full TTL from now. 409 LEASE_EXPIRED once it expired, was revoked or replaced, or is unknown to the server (it restarted): register again', ok(leaseInfo), perms('register')),
  },
  '/v1/registry/services/{service}/leases/{lease}': {
    parameters: [service, lease],
    delete: op('Revoke the lease, removing its instance now; harmless when it already ended', ok(obj({ ok: { const: true } })), perms('register')),
  },
};

export const registrySchemas = {
  Address: obj({ host: { type: 'string', minLength: 1, maxLength: 255 }, port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['host', 'port']),
  Instance: obj({
    id: str,
    service: str,
    address: ref('Address'),
    metadata: { type: 'object', additionalProperties: str },
    version: str,
    zone: str,
    weight: int,
    health,
    note: str,
    registeredAt: { type: 'integer', description: 'Server clock, epoch ms' },
    modifyIndex: { type: 'integer', description: "Registry index of the instance's last change" },
  }),
  ServiceSnapshot: obj({ service: str, index: int, instances: { type: 'array', items: ref('Instance') } }),
};
