import { randomBytes } from 'node:crypto';
import { checkInt, compileFilterPolicy, InvalidArgumentError, type Broker, type FilterPolicy } from '@switchyard/core';
import type { Metrics } from '../metrics.js';
import { post, runDispatcher, type DispatchOptions } from './dispatcher.js';
import type { Webhook, WebhookStore } from './store.js';
import { checkTarget } from './target-policy.js';

export interface WebhookRequest {
  url: string;
  filter?: FilterPolicy | null;
  /** HMAC key; generated (and returned once) when absent. */
  secret?: string;
  /** Attempts before dead-lettering. Default 5, 1 to 100. */
  maxAttempts?: number;
}

/** Public view: never the secret or token. */
export type WebhookView = Omit<Webhook, 'secret' | 'token'>;

export function view(w: Webhook): WebhookView {
  const { secret: _secret, token: _token, ...rest } = w;
  return rest;
}

/**
 * Topic webhooks. A webhook is a buffer queue subscribed to the topic (so fan-out stays atomic
 * with the publish) plus a dispatcher that POSTs from it. It starts `pending`: the endpoint gets a
 * signed SubscriptionConfirmation and must echo `{"token": …}` in its reply or call the confirm
 * URL; only then is the buffer subscribed and delivery started.
 */
export class WebhookManager {
  readonly #dispatchers = new Map<string, { stop: AbortController; done: Promise<void> }>();

  constructor(
    readonly broker: Broker,
    readonly store: WebhookStore,
    readonly metrics: Metrics,
    readonly options: DispatchOptions,
  ) {}

  /** Resumes delivery for every confirmed webhook (at server start). */
  start(): void {
    for (const w of this.store.all()) if (w.status === 'confirmed') this.#dispatch(w);
  }

  async subscribe(topic: string, request: WebhookRequest, confirmBase: string): Promise<WebhookView & { secret: string }> {
    await this.broker.topic(topic).subscriptions();
    if (typeof request?.url !== 'string') throw new InvalidArgumentError('url', 'is required');
    await checkTarget(request.url, this.options.allowPrivate);
    const filter = request.filter ?? null;
    if (filter !== null) compileFilterPolicy(filter);
    const maxAttempts = checkInt('maxAttempts', request.maxAttempts ?? 5, { min: 1, max: 100 });
    if (request.secret !== undefined && (typeof request.secret !== 'string' || request.secret.length < 16)) {
      throw new InvalidArgumentError('secret', 'must be at least 16 characters');
    }
    const hex = randomBytes(8).toString('hex');
    const webhook: Webhook = {
      id: `wh-${hex}`,
      topic,
      url: request.url,
      filter,
      secret: request.secret ?? randomBytes(24).toString('base64url'),
      maxAttempts,
      status: 'pending',
      token: randomBytes(24).toString('base64url'),
      queue: `webhook-${hex}`,
      deadLetterQueue: `webhook-${hex}-dlq`,
      createdAt: this.options.now(),
    };
    await this.broker.createQueue(webhook.deadLetterQueue, { retentionMs: 14 * 24 * 3600_000 });
    await this.broker.createQueue(webhook.queue, { visibilityTimeoutMs: Math.max(60_000, this.options.timeoutMs * 2), deadLetter: { queue: webhook.deadLetterQueue, maxReceives: maxAttempts } });
    this.store.put(webhook);
    const confirmUrl = `${confirmBase}/v1/webhooks/confirm?token=${encodeURIComponent(webhook.token)}`;
    try {
      const r = await post(webhook, 'SubscriptionConfirmation', { type: 'SubscriptionConfirmation', subscriptionId: webhook.id, topic, token: webhook.token, confirmUrl }, this.options);
      const echoed = r.status >= 200 && r.status < 300 ? (JSON.parse(r.text || '{}') as { token?: unknown }).token : undefined;
      if (echoed === webhook.token) return { ...view(await this.confirm(webhook.token)), secret: webhook.secret };
    } catch {
      // Not confirmed now; the endpoint can still call the confirm URL.
    }
    return { ...view(webhook), secret: webhook.secret };
  }

  /** Confirms with the token sent to the endpoint; idempotent. */
  async confirm(token: string): Promise<Webhook> {
    const w = this.store.byToken(token);
    if (!w) throw new InvalidArgumentError('token', 'matches no pending webhook');
    if (w.status === 'confirmed') return w;
    await this.broker.topic(w.topic).subscribe(w.queue, { filter: w.filter });
    const confirmed: Webhook = { ...w, status: 'confirmed' };
    this.store.put(confirmed);
    this.#dispatch(confirmed);
    return confirmed;
  }

  list(topic: string): WebhookView[] {
    return this.store.list(topic).map(view);
  }

  async unsubscribe(topic: string, id: string): Promise<boolean> {
    const w = this.store.get(id);
    if (!w || w.topic !== topic) return false;
    const d = this.#dispatchers.get(id);
    d?.stop.abort();
    await d?.done;
    this.#dispatchers.delete(id);
    await this.broker.deleteQueue(w.queue);
    await this.broker.deleteQueue(w.deadLetterQueue);
    this.store.delete(id);
    return true;
  }

  async stop(): Promise<void> {
    for (const d of this.#dispatchers.values()) d.stop.abort();
    await Promise.all([...this.#dispatchers.values()].map((d) => d.done));
    this.#dispatchers.clear();
  }

  #dispatch(w: Webhook): void {
    if (this.#dispatchers.has(w.id)) return;
    const stop = new AbortController();
    this.#dispatchers.set(w.id, { stop, done: runDispatcher(this.broker, w, this.metrics, this.options, stop.signal) });
  }
}
