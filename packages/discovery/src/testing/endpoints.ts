/** Endpoints for balancer tests, without a registry. */
import { Endpoint } from '../balance/endpoint.js';
import { instanceFromSpec, type InstanceSpec } from '../instance.js';

export function endpoint(id: string, extra: Partial<InstanceSpec> = {}): Endpoint {
  return new Endpoint(instanceFromSpec({ id, service: 'svc', address: { host: '10.0.0.1', port: 8000 }, ...extra }, 0, 1), 10_000);
}

export function endpoints(n: number, extra: (i: number) => Partial<InstanceSpec> = () => ({})): Endpoint[] {
  return Array.from({ length: n }, (_, i) => endpoint(`i${String(i).padStart(3, '0')}`, extra(i)));
}

/** Counts picks per endpoint id. */
export function tally(picks: Endpoint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of picks) out[e.id] = (out[e.id] ?? 0) + 1;
  return out;
}
