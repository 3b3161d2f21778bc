import { Header, InvalidArgumentError, type Body, type Delivery, type Headers, type OutgoingMessage } from '@switchyard/core';
import { propagate } from '../correlation-scope.js';
import { DoNotRetryError, UnknownMessageTypeError, ValidationError } from '../errors.js';
import type { Handler, HandlerContext } from '../handler.js';
import { resolveDefinitions, type Definitions, type ResolvedDefinition } from './definitions.js';
import { issuePath, type InferInput, type InferOutput, type StandardResult } from './standard-schema.js';

export type TypeName<D extends Definitions> = keyof D & string;
/** The body a handler of type T sees (the schema's output). */
export type BodyOf<D extends Definitions, T extends TypeName<D>> = InferOutput<D[T]['schema']>;
/** The body a sender of type T gives (the schema's input). */
export type InputOf<D extends Definitions, T extends TypeName<D>> = InferInput<D[T]['schema']>;
/** Everything of an outgoing message but its type and body. */
export type MessageExtras = Omit<OutgoingMessage, 'type' | 'body'>;

export type TypedHandler<B> = (message: Delivery<B>, ctx: HandlerContext) => Promise<void> | void;
export type TypedHandlers<D extends Definitions> = { [T in TypeName<D>]?: TypedHandler<BodyOf<D, T>> };

/**
 * A message catalog: type name → schema → TypeScript type. Sending through it is type-checked
 * and validated; receiving through it upcasts older schema versions and validates, so a
 * handler only ever sees a body of the current shape.
 *
 *   const catalog = defineCatalog({
 *     'order.created': { schema: z.object({ orderId: z.string(), total: z.number() }), version: 2,
 *                        upcast: { 1: (v1) => ({ ...v1, total: v1.amount }) } },
 *   })
 *   await queue.send(catalog.message('order.created', { orderId: 'A-1', total: 42 }))
 */
export class MessageCatalog<D extends Definitions> {
  readonly #defs: Map<string, ResolvedDefinition>;

  constructor(definitions: D) {
    this.#defs = resolveDefinitions(definitions);
  }

  get types(): TypeName<D>[] {
    return [...this.#defs.keys()] as TypeName<D>[];
  }

  has(type: string): type is TypeName<D> {
    return this.#defs.has(type);
  }

  /**
   * An outgoing message of `type`: the body validated now (the schema must validate
   * synchronously, as zod's do), the `schema` header set to the current version, and correlation
   * headers propagated from the message being handled, if any. Throws ValidationError.
   */
  message<T extends TypeName<D>>(type: T, body: InputOf<D, T>, extras: MessageExtras = {}): OutgoingMessage {
    const def = this.#definition(type);
    const result = def.schema['~standard'].validate(body);
    if (result instanceof Promise) {
      throw new InvalidArgumentError(`catalog[${JSON.stringify(type)}].schema`, 'validates asynchronously; a message is built synchronously (inside database transactions too)');
    }
    const value = checked(type, result);
    const headers: Headers = propagate({ ...extras.headers, [Header.schema]: String(def.version) });
    return { ...extras, type, body: value as Body, headers };
  }

  /**
   * Reads a received message: its body upcast from the version in its `schema` header (1 when
   * absent) to the current one, then validated. Throws UnknownMessageTypeError or
   * ValidationError (also for a version newer than this catalog knows, or one with no upcaster).
   */
  async decode<T extends TypeName<D>>(message: { type: string; body: unknown; headers: Headers }): Promise<BodyOf<D, T>> {
    const def = this.#definition(message.type);
    const raw = message.headers[Header.schema];
    const version = raw === undefined ? 1 : Number(raw);
    if (!Number.isInteger(version) || version < 1) throw new ValidationError(message.type, [{ message: `schema header ${JSON.stringify(raw)} is not a version number` }]);
    if (version > def.version) {
      throw new ValidationError(message.type, [{ message: `schema version ${version} is newer than the ${def.version} this consumer knows` }]);
    }
    let body = message.body;
    for (let v = version; v < def.version; v++) {
      const up = def.upcast.get(v);
      if (!up) throw new ValidationError(message.type, [{ message: `no upcaster from schema version ${v} to ${v + 1}` }]);
      body = up(body);
    }
    return checked(message.type, await def.schema['~standard'].validate(body)) as BodyOf<D, T>;
  }

  /**
   * A handler that dispatches on the message type to typed handlers, with bodies decoded as by
   * `decode`. An unknown type, a type without a handler here, or an invalid body is a
   * `DoNotRetryError` (the message is dead-lettered: retrying cannot fix it).
   */
  handler(handlers: TypedHandlers<D>): Handler {
    for (const [type, fn] of Object.entries(handlers)) {
      if (!this.#defs.has(type)) throw new UnknownMessageTypeError(type);
      if (typeof fn !== 'function') throw new InvalidArgumentError(`handlers[${JSON.stringify(type)}]`, 'must be a function');
    }
    const table = handlers as Record<string, TypedHandler<unknown> | undefined>;
    return async (message, ctx) => {
      const fn = table[message.type];
      if (!fn) throw new DoNotRetryError(`no handler for message type ${JSON.stringify(message.type)}`, { cause: new UnknownMessageTypeError(message.type) });
      const body = await this.decodeOrReject(message);
      await fn({ ...message, body }, ctx);
    };
  }

  /** `decode`, with its errors wrapped in `DoNotRetryError` for use inside a pipeline. */
  async decodeOrReject(message: { type: string; body: unknown; headers: Headers }): Promise<unknown> {
    try {
      return await this.decode(message);
    } catch (err) {
      throw new DoNotRetryError(err instanceof ValidationError ? 'the body is invalid' : 'the message type is unknown', { cause: err });
    }
  }

  /** A typed sender for a queue (or anything with `send`). */
  sender(queue: { send(message: OutgoingMessage): Promise<unknown> }): { send<T extends TypeName<D>>(type: T, body: InputOf<D, T>, extras?: MessageExtras): Promise<void> } {
    return { send: async (type, body, extras) => void (await queue.send(this.message(type, body, extras))) };
  }

  /** A typed publisher for a topic (or anything with `publish`). */
  publisher(topic: { publish(message: OutgoingMessage): Promise<unknown> }): { publish<T extends TypeName<D>>(type: T, body: InputOf<D, T>, extras?: MessageExtras): Promise<void> } {
    return { publish: async (type, body, extras) => void (await topic.publish(this.message(type, body, extras))) };
  }

  #definition(type: string): ResolvedDefinition {
    const def = this.#defs.get(type);
    if (!def) throw new UnknownMessageTypeError(type);
    return def;
  }
}

export function defineCatalog<const D extends Definitions>(definitions: D): MessageCatalog<D> {
  return new MessageCatalog(definitions);
}

function checked(type: string, result: StandardResult<unknown>): unknown {
  if (result.issues) {
    const issues = result.issues.map((i) => {
      const path = issuePath(i);
      return path === undefined ? { message: i.message } : { message: i.message, path };
    });
    throw new ValidationError(type, issues);
  }
  return result.value;
}
