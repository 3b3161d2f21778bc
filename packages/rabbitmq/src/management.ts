/**
 * The management plugin's HTTP API, for what AMQP 0-9-1 cannot do: list objects, keep small
 * documents (global parameters) and change queue settings at runtime (policies).
 */
export class Management {
  readonly #base: string;
  readonly #auth: string;

  constructor(url: string) {
    const u = new URL(url);
    this.#auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    this.#base = `${u.protocol}//${u.host}/api`;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    const init: RequestInit = { method, headers: { authorization: this.#auth, 'content-type': 'application/json' }, signal: AbortSignal.timeout(15_000) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${this.#base}${path}`, init);
    if (!res.ok && res.status !== 404) throw new Error(`RabbitMQ management ${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  async getGlobal<T>(name: string): Promise<T | undefined> {
    const res = await this.#call('GET', `/global-parameters/${encodeURIComponent(name)}`);
    if (res.status === 404) return undefined;
    return ((await res.json()) as { value: T }).value;
  }

  async putGlobal(name: string, value: unknown): Promise<void> {
    await this.#call('PUT', `/global-parameters/${encodeURIComponent(name)}`, { name, value });
  }

  async deleteGlobal(name: string): Promise<void> {
    await this.#call('DELETE', `/global-parameters/${encodeURIComponent(name)}`);
  }

  /** Every global parameter whose name starts with `prefix`, with its value. */
  async listGlobals<T>(prefix: string): Promise<{ name: string; value: T }[]> {
    const res = await this.#call('GET', '/global-parameters');
    const all = (await res.json()) as { name: string; value: T }[];
    return all.filter((p) => p.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A policy applying `definition` to exactly one queue (in the default vhost). */
  async putQueuePolicy(name: string, queue: string, definition: Record<string, unknown>): Promise<void> {
    const pattern = `^${queue.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}$`;
    await this.#call('PUT', `/policies/%2F/${encodeURIComponent(name)}`, { pattern, definition, 'apply-to': 'queues', priority: 100 });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.#call('DELETE', `/policies/%2F/${encodeURIComponent(name)}`);
  }
}
