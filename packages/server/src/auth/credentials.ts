import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '@switchyard/core';
import type { Action } from '../context.js';

/**
 * Who may do what. A credential is an access key id and secret (used for SigV4 on the SQS
 * endpoint, and as `Authorization: Bearer <id>:<secret>` on the JSON API) with permissions:
 * actions on resource-name patterns, where `*` matches any run of characters. Queues, topics and
 * streams take `send`, `receive` and `manage`; registry services `register` and `discover`.
 *
 *   { "credentials": [ { "accessKeyId": "ORDERS", "secretAccessKey": "…",
 *       "permissions": [ { "actions": ["send", "receive"], "resources": ["orders*"] } ] } ] }
 */
export interface Permission {
  actions: Action[];
  resources: string[];
}

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  permissions: Permission[];
}

const actions = new Set<Action>(['send', 'receive', 'manage', 'register', 'discover']);

export class Credentials {
  readonly #byId = new Map<string, Credential & { patterns: { actions: Set<Action>; regexes: RegExp[] }[] }>();

  constructor(list: readonly Credential[]) {
    list.forEach((c, i) => {
      const at = `credentials[${i}]`;
      if (typeof c?.accessKeyId !== 'string' || !/^[A-Za-z0-9_-]{3,128}$/.test(c.accessKeyId)) {
        throw new InvalidArgumentError(`${at}.accessKeyId`, 'must be 3-128 letters, digits, "-" or "_"');
      }
      if (typeof c.secretAccessKey !== 'string' || c.secretAccessKey.length < 16) throw new InvalidArgumentError(`${at}.secretAccessKey`, 'must be at least 16 characters');
      if (this.#byId.has(c.accessKeyId)) throw new InvalidArgumentError(`${at}.accessKeyId`, 'is listed twice');
      if (!Array.isArray(c.permissions)) throw new InvalidArgumentError(`${at}.permissions`, 'must be a list');
      const patterns = c.permissions.map((p, j) => {
        if (!Array.isArray(p.actions) || p.actions.some((a) => !actions.has(a))) {
          throw new InvalidArgumentError(`${at}.permissions[${j}].actions`, 'must list "send", "receive", "manage", "register" or "discover"');
        }
        if (!Array.isArray(p.resources) || p.resources.some((r) => typeof r !== 'string' || r.length === 0)) {
          throw new InvalidArgumentError(`${at}.permissions[${j}].resources`, 'must list name patterns');
        }
        return { actions: new Set(p.actions), regexes: p.resources.map(globToRegex) };
      });
      this.#byId.set(c.accessKeyId, { ...c, patterns });
    });
  }

  static fromFile(path: string): Credentials {
    let parsed: { credentials?: Credential[] };
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as { credentials?: Credential[] };
    } catch (cause) {
      throw new InvalidArgumentError('auth', `cannot read ${path}: ${(cause as Error).message}`, { cause });
    }
    if (!Array.isArray(parsed.credentials) || parsed.credentials.length === 0) throw new InvalidArgumentError('auth', `${path} lists no credentials`);
    return new Credentials(parsed.credentials);
  }

  get size(): number {
    return this.#byId.size;
  }

  secretFor(accessKeyId: string): string | undefined {
    return this.#byId.get(accessKeyId)?.secretAccessKey;
  }

  /** The access key id a bearer token `<id>:<secret>` proves, or undefined. */
  verifyBearer(token: string): string | undefined {
    const sep = token.indexOf(':');
    if (sep < 0) return undefined;
    const id = token.slice(0, sep);
    const secret = this.#byId.get(id)?.secretAccessKey;
    if (secret === undefined) return undefined;
    const given = Buffer.from(token.slice(sep + 1));
    const expected = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  /** True when the credential may do `action` on `resource` ("*" means any resource: listing). */
  allows(accessKeyId: string, action: Action, resource: string): boolean {
    const c = this.#byId.get(accessKeyId);
    if (!c) return false;
    return c.patterns.some((p) => p.actions.has(action) && (resource === '*' ? p.regexes.some((r) => r.source === '^.*$') : p.regexes.some((r) => r.test(resource))));
  }
}

function globToRegex(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
