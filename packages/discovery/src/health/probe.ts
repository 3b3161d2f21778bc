/**
 * Active health probes. A probe looks at one instance and says how it is; it must stop when its
 * signal aborts (the checker's timeout). Throwing counts as a failed check.
 */
import { connect } from 'node:net';
import { request, type Dispatcher } from 'undici';
import type { Instance } from '../instance.js';

export interface ProbeResult {
  health: 'passing' | 'warning' | 'critical';
  note?: string;
}

export type Probe = (instance: Instance, signal: AbortSignal) => Promise<ProbeResult>;

export interface HttpProbeOptions {
  /** Path to GET (default `/health`). */
  path?: string;
  /** Default `http`. */
  scheme?: 'http' | 'https';
  /** undici dispatcher (default: undici's global one). */
  dispatcher?: Dispatcher;
}

/** GETs a path: 2xx is passing, 429 is warning (alive, shedding load), anything else critical. */
export function httpProbe(options: HttpProbeOptions = {}): Probe {
  const path = options.path ?? '/health';
  const scheme = options.scheme ?? 'http';
  return async (instance, signal) => {
    const { host, port } = instance.address;
    const res = await request(`${scheme}://${hostForUrl(host)}:${port}${path}`, { method: 'GET', signal, dispatcher: options.dispatcher });
    await res.body.dump();
    const note = `HTTP ${res.statusCode}`;
    if (res.statusCode >= 200 && res.statusCode < 300) return { health: 'passing', note };
    if (res.statusCode === 429) return { health: 'warning', note };
    return { health: 'critical', note };
  };
}

/** Opens a TCP connection: passing when it connects (and is closed at once), critical otherwise. */
export function tcpProbe(): Probe {
  return (instance, signal) =>
    new Promise<ProbeResult>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const socket = connect({ host: instance.address.host, port: instance.address.port });
      const onAbort = () => {
        socket.destroy();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ health: 'passing', note: 'TCP connect ok' });
      });
      socket.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(err);
      });
    });
}

/** IPv6 literals go in brackets inside a URL. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
