/** A small client for the JSON API, for the CLI. Errors carry the server's stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url: string;
  /** Bearer token: `<accessKeyId>:<secretAccessKey>`. */
  token?: string;
}

export class Client {
  readonly #url: string;
  readonly #token: string | undefined;

  constructor(options: ClientOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let res: Response;
    try {
      res = await fetch(`${this.#url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
    } catch (cause) {
      throw new ApiError(0, 'UNREACHABLE', `cannot reach ${this.#url}: ${(cause as Error).cause instanceof Error ? ((cause as Error).cause as Error).message : (cause as Error).message}`);
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T & { error?: { code: string; message: string } }) : ({} as T & { error?: { code: string; message: string } });
    if (!res.ok) throw new ApiError(res.status, parsed.error?.code ?? `HTTP_${res.status}`, parsed.error?.message ?? res.statusText);
    return parsed;
  }
}

export const q = (name: string) => `/v1/queues/${encodeURIComponent(name)}`;
export const t = (name: string) => `/v1/topics/${encodeURIComponent(name)}`;
