import { checkInt, checkString, InvalidArgumentError } from '@switchyard/core';
import type { StandardSchema } from './standard-schema.js';

/** One message type of a catalog. */
export interface MessageDefinition<S extends StandardSchema = StandardSchema> {
  /** The body's schema (zod 4, valibot, arktype: anything implementing Standard Schema). */
  schema: S;
  /** The current version, sent in the `schema` header. Default 1; 1 to 10 000. */
  version?: number;
  /**
   * Upcasters for bodies of older versions still in flight: `upcast[n]` turns a version-n body
   * into a version-(n+1) body. Applied in sequence, then the result is validated.
   */
  // The input of an upcaster is an old shape the schema no longer describes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  upcast?: Readonly<Record<number, (body: any) => unknown>>;
}

export type Definitions = Readonly<Record<string, MessageDefinition>>;

export interface ResolvedDefinition {
  schema: StandardSchema;
  version: number;
  upcast: ReadonlyMap<number, (body: unknown) => unknown>;
}

/** Validates a catalog's definitions: names, versions and upcaster keys (1 to version − 1). */
export function resolveDefinitions(defs: Definitions): Map<string, ResolvedDefinition> {
  if (typeof defs !== 'object' || defs === null) throw new InvalidArgumentError('catalog', 'must be an object of message definitions');
  const out = new Map<string, ResolvedDefinition>();
  for (const [type, def] of Object.entries(defs)) {
    checkString(`catalog[${JSON.stringify(type)}]`, type, 256);
    const at = `catalog[${JSON.stringify(type)}]`;
    if (typeof def?.schema?.['~standard']?.validate !== 'function') {
      throw new InvalidArgumentError(`${at}.schema`, 'must implement Standard Schema v1 (zod 4, valibot, arktype)');
    }
    const version = checkInt(`${at}.version`, def.version ?? 1, { min: 1, max: 10_000 });
    const upcast = new Map<number, (body: unknown) => unknown>();
    for (const [key, fn] of Object.entries(def.upcast ?? {})) {
      const from = Number(key);
      if (!Number.isInteger(from) || from < 1 || from >= version) {
        throw new InvalidArgumentError(`${at}.upcast[${key}]`, `upcasters are keyed by the version they read, 1 to ${version - 1}`);
      }
      if (typeof fn !== 'function') throw new InvalidArgumentError(`${at}.upcast[${key}]`, 'must be a function');
      upcast.set(from, fn);
    }
    out.set(type, { schema: def.schema, version, upcast });
  }
  return out;
}
