/**
 * The registry's data model. An instance is *alive* while its lease is held (it is listed at
 * all); its *health* is a separate judgement, made by the instance itself, by active checks, or
 * by an operator: passing and warning instances take traffic, critical and draining ones do not.
 */
import { InvalidArgumentError } from '@switchyard/core';
import { checkCount, checkName } from './validate.js';

export const Health = {
  Passing: 'passing',
  /** Degraded but serving (a check failed once, or answered 429): still takes traffic. */
  Warning: 'warning',
  Critical: 'critical',
  /** Shutting down: finishes its work, takes no new calls. Sticky (see Registry.setHealth). */
  Draining: 'draining',
} as const;
export type Health = (typeof Health)[keyof typeof Health];

const healths: ReadonlySet<string> = new Set(Object.values(Health));

export function isHealth(v: unknown): v is Health {
  return typeof v === 'string' && healths.has(v);
}

/** Whether balancers may send new calls to an instance in this state. */
export function takesTraffic(h: Health): boolean {
  return h === 'passing' || h === 'warning';
}

export interface Address {
  host: string;
  port: number;
}

/** What an instance says about itself when it registers. */
export interface InstanceSpec {
  /** Unique within the service; registering the same id again replaces the old entry. */
  id: string;
  service: string;
  address: Address;
  /** Free-form string tags (at most 64, values up to 1024 characters). */
  metadata?: Record<string, string>;
  version?: string;
  zone?: string;
  /** Share of traffic for weighted balancing: an integer 1–1000 (default 1). */
  weight?: number;
  /** Health on registration (default `passing`). */
  health?: Health;
}

/** An instance as the registry lists it. */
export interface Instance {
  readonly id: string;
  readonly service: string;
  readonly address: Readonly<Address>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly version: string | undefined;
  readonly zone: string | undefined;
  readonly weight: number;
  readonly health: Health;
  /** Why the health is what it is (a check's output, "drain requested"...). */
  readonly note: string | undefined;
  /** When it registered (clock ms). */
  readonly registeredAt: number;
  /** Registry index of this instance's last change. */
  readonly modifyIndex: number;
}

/** The instances of one service at one registry index. */
export interface ServiceSnapshot {
  readonly service: string;
  /** Grows with every change the registry makes; a later snapshot never has a smaller index. */
  readonly index: number;
  /** Sorted by id. */
  readonly instances: readonly Instance[];
}

/** Validates a spec and fills defaults; throws InvalidArgumentError / InvalidNameError. */
export function instanceFromSpec(spec: InstanceSpec, registeredAt: number, modifyIndex: number): Instance {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('instance', 'must be an object');
  const address = spec.address as unknown;
  if (typeof address !== 'object' || address === null) throw new InvalidArgumentError('instance.address', 'must be { host, port }');
  const { host, port } = address as Partial<Address>;
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) {
    throw new InvalidArgumentError('instance.address.host', 'must be a non-empty string of at most 255 characters');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('instance.address.port', `must be an integer 1-65535, got ${String(port)}`);
  }
  const health = spec.health ?? 'passing';
  if (!isHealth(health)) throw new InvalidArgumentError('instance.health', `must be one of ${[...healths].join(', ')}`);
  const weight = checkCount('instance.weight', spec.weight ?? 1);
  if (weight > 1000) throw new InvalidArgumentError('instance.weight', `must be an integer <= 1000, got ${weight}`);
  return {
    id: checkName('instance id', spec.id),
    service: checkName('service', spec.service),
    address: { host, port },
    metadata: checkMetadata(spec.metadata ?? {}),
    version: optionalText('instance.version', spec.version),
    zone: optionalText('instance.zone', spec.zone),
    weight,
    health,
    note: undefined,
    registeredAt,
    modifyIndex,
  };
}

function checkMetadata(m: unknown): Record<string, string> {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new InvalidArgumentError('instance.metadata', 'must be a string map');
  const entries = Object.entries(m);
  if (entries.length > 64) throw new InvalidArgumentError('instance.metadata', `has ${entries.length} entries; the limit is 64`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || v.length > 1024) {
      throw new InvalidArgumentError(`instance.metadata.${k}`, 'must be a string of at most 1024 characters');
    }
  }
  return { ...(m as Record<string, string>) };
}

function optionalText(field: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 128) {
    throw new InvalidArgumentError(field, 'must be a non-empty string of at most 128 characters');
  }
  return v;
}
