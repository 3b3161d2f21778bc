/**
 * The wire side of RemoteRegistry: JSON over undici to a Switchyard server's `/v1/registry`
 * routes, with the typed errors rebuilt from its `{ "error": { "code", "message" } }` answers,
 * so that a caller branches on `code` (or `instanceof`) exactly as with an in-process registry.
 */
import { AbortedError, ErrorCode, InvalidArgumentError, InvalidNameError, SwitchyardError, isSwitchyardError } from '@switchyard/core';
import type { Dispatcher } from 'undici';
import { InstanceNotFoundError, LeaseExpiredError, RegistryRequestError, RegistryUnavailableError } from '../errors.js';
import { isHealth, type Instance, type ServiceSnapshot } from '../instance.js';

/** What a request is about: the fields a rebuilt error carries. */
export interface Subject {
  service?: string;
  id?: string;
  leaseId?: string;
}

export interface CallOptions {
  /** A JSON value to send. */
  body?: unknown;
  subject?: Subject;
  /** The server may hold the request this long before answering (a watch's poll), ms. */
  holdMs?: number;
  signal?: AbortSignal;
}

export class RegistryTransport {
  readonly #dispatcher: Dispatcher;
  readonly #origin: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #jsonHeaders: Record<string, string>;
  readonly where: string;

  constructor(url: URL, token: string | undefined, dispatcher: Dispatcher, timeoutMs: number) {
    this.#dispatcher = dispatcher;
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
    this.#headers = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    this.#jsonHeaders = { ...this.#headers, 'content-type': 'application/json' };
    this.where = `${this.#origin}${this.#prefix}`;
  }

  async call<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const timeout = this.#timeoutMs + (options.holdMs ?? 0);
    const { signal } = options;
    let status: number;
    let text: string;
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        path: this.#prefix + path,
        method,
        headers: body === undefined ? this.#headers : this.#jsonHeaders,
        ...(body === undefined ? {} : { body }),
        ...(signal ? { signal } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      throw new RegistryUnavailableError(this.where, `${method} ${path} failed: ${describe(err)}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      if (status < 400) throw new RegistryUnavailableError(this.where, `${method} ${path} answered ${status} with a body that is not JSON`);
    }
    if (status >= 400) throw errorFromResponse(this.where, status, (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error, options.subject ?? {});
    return parsed as T;
  }
}

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));
const jsonString = '"(?:[^"\\\\]|\\\\.)*"';
const invalidName = new RegExp(`^invalid (.+?) name (${jsonString}|\\S*): (.*)$`, 's');

/**
 * The error for a failed response. Registry codes become discovery's and core's classes with the
 * fields the request was about; other engine codes a plain SwitchyardError; HTTP-layer refusals
 * RegistryRequestError; any 5xx RegistryUnavailableError (the outcome is unknown). The message
 * is always the server's.
 */
export function errorFromResponse(where: string, status: number, detail: { code?: unknown; message?: unknown } | undefined, subject: Subject): Error {
  const code = typeof detail?.code === 'string' ? detail.code : '';
  const message = typeof detail?.message === 'string' ? detail.message : `HTTP ${status}`;
  if (status >= 500) return new RegistryUnavailableError(where, `the server failed (HTTP ${status}${code ? ` ${code}` : ''}): ${message}`);
  let err: SwitchyardError;
  switch (code) {
    case ErrorCode.InvalidArgument: {
      const at = message.indexOf(': ');
      err = at < 0 ? new InvalidArgumentError('request', message) : new InvalidArgumentError(message.slice(0, at), message.slice(at + 2));
      break;
    }
    case ErrorCode.InvalidName: {
      const hit = invalidName.exec(message);
      let value: unknown = hit?.[2];
      try {
        value = JSON.parse(hit?.[2] ?? '');
      } catch {
        // keep the raw text
      }
      err = new InvalidNameError(hit?.[1] ?? 'resource', value, hit?.[3] ?? message);
      break;
    }
    case ErrorCode.InstanceNotFound:
      err = new InstanceNotFoundError(subject.service ?? '', subject.id ?? '');
      break;
    case ErrorCode.LeaseExpired:
      // The reason travels only in the wording (LeaseExpiredError's message for `replaced`).
      err = new LeaseExpiredError(subject.leaseId ?? '', /a newer registration replaced it$/.test(message) ? 'replaced' : 'expired');
      break;
    default:
      if (!knownCodes.has(code)) return new RegistryRequestError(status, code || `HTTP_${status}`, message);
      err = new SwitchyardError(code as ErrorCode, message);
  }
  Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  return err;
}

/** A snapshot as the server sends it, checked and with every Instance field present. */
export function snapshotFromWire(value: unknown, where: string): ServiceSnapshot {
  const v = value as { service?: unknown; index?: unknown; instances?: unknown } | undefined;
  if (typeof v?.service !== 'string' || typeof v.index !== 'number' || !Array.isArray(v.instances)) throw malformed(where, 'a service snapshot');
  return { service: v.service, index: v.index, instances: v.instances.map((i) => instanceFromWire(i, where)) };
}

function instanceFromWire(value: unknown, where: string): Instance {
  const v = value as Record<string, unknown> | undefined;
  const address = v?.address as { host?: unknown; port?: unknown } | undefined;
  if (
    typeof v?.id !== 'string' ||
    typeof v.service !== 'string' ||
    typeof address?.host !== 'string' ||
    typeof address.port !== 'number' ||
    typeof v.weight !== 'number' ||
    !isHealth(v.health) ||
    typeof v.registeredAt !== 'number' ||
    typeof v.modifyIndex !== 'number'
  ) {
    throw malformed(where, 'an instance');
  }
  return {
    id: v.id,
    service: v.service,
    address: { host: address.host, port: address.port },
    metadata: typeof v.metadata === 'object' && v.metadata !== null ? { ...(v.metadata as Record<string, string>) } : {},
    version: optional(v.version),
    zone: optional(v.zone),
    weight: v.weight,
    health: v.health,
    note: optional(v.note),
    registeredAt: v.registeredAt,
    modifyIndex: v.modifyIndex,
  };
}

function optional(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function malformed(where: string, what: string): Error {
  return new RegistryUnavailableError(where, `the server sent something that is not ${what}`);
}

function describe(err: unknown): string {
  if (isSwitchyardError(err)) return err.message;
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' ? `${e.code}: ${message}` : message;
}
