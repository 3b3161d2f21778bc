import {
  AbortedError,
  type AppendResult,
  type CommitRequest,
  type CommittedOffset,
  type EncodedBody,
  type GroupInfo,
  type JoinRequest,
  type Membership,
  type PartitionOffsets,
  type ReadRequest,
  type ResolvedStreamOptions,
  type StateEntry,
  type StreamEngine,
  type StreamEntry,
  type StreamInfo,
  type StreamRecord,
  type StreamStats,
  type TrimResult,
} from '@switchyard/core';
import { groupPath, prefixQuery, streamPath, type RemoteContext } from './context.js';
import type { CallOptions } from './http.js';
import { messagesJson, recordFromWire, type WireMessage } from './wire.js';

/**
 * The stream contract over the server's JSON API (`/v1/streams`), all over HTTP: streams have no
 * leases to settle, so the push channel has nothing to add. The server validates every body
 * again and judges group membership on its own clock.
 */
export class RemoteStreams implements StreamEngine {
  readonly #ctx: RemoteContext;

  constructor(ctx: RemoteContext) {
    this.#ctx = ctx;
  }

  createStream(name: string, options: ResolvedStreamOptions): Promise<StreamInfo> {
    return this.#call('PUT', streamPath(name), { body: options });
  }

  async deleteStream(name: string): Promise<boolean> {
    return (await this.#call<{ deleted: boolean }>('DELETE', streamPath(name))).deleted;
  }

  getStream(name: string): Promise<StreamInfo> {
    return this.#call('GET', streamPath(name));
  }

  async listStreams(prefix?: string): Promise<StreamInfo[]> {
    return (await this.#call<{ streams: StreamInfo[] }>('GET', `/v1/streams${prefixQuery(prefix)}`)).streams;
  }

  async append(stream: string, entries: readonly StreamEntry[]): Promise<AppendResult[]> {
    return (await this.#call<{ results: AppendResult[] }>('POST', streamPath(stream, '/messages'), { json: `{"messages":${messagesJson(entries)}}` })).results;
  }

  /**
   * An HTTP long poll. Closing the engine answers it with [] at once; aborting rejects with
   * AbortedError. Either way the connection is closed, and the server stops waiting when it
   * notices. (A read takes nothing from the stream, so nothing is lost by giving up on one.)
   */
  async read(stream: string, request: ReadRequest, signal?: AbortSignal): Promise<StreamRecord<EncodedBody>[]> {
    this.#ctx.life.checkOpen();
    if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const unsubscribe = this.#ctx.life.onClose(() => stop.abort());
    try {
      const body = { from: request.from, max: request.max, waitMs: request.waitMs };
      const held = request.waitMs > 0 ? { holdMs: request.waitMs } : {};
      const r = await this.#ctx.http.call<{ records: WireMessage[] }>('POST', streamPath(stream, '/read'), { body, signal: stop.signal, ...held });
      return r.records.map(recordFromWire);
    } catch (err) {
      if (this.#ctx.life.closed) return [];
      throw err;
    } finally {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async offsets(stream: string): Promise<PartitionOffsets[]> {
    return (await this.#call<{ partitions: PartitionOffsets[] }>('GET', streamPath(stream, '/offsets'))).partitions;
  }

  async offsetForTimestamp(stream: string, partition: number, timestamp: number): Promise<number | null> {
    return (await this.#call<{ offset: number | null }>('GET', streamPath(stream, `/offset-for-timestamp?partition=${partition}&timestamp=${timestamp}`))).offset;
  }

  trim(stream: string): Promise<TrimResult> {
    return this.#call('POST', streamPath(stream, '/trim'));
  }

  stats(stream: string): Promise<StreamStats> {
    return this.#call('GET', streamPath(stream, '/stats'));
  }

  joinGroup(stream: string, group: string, request: JoinRequest): Promise<Membership> {
    return this.#call('POST', groupPath(stream, group, '/join'), { body: request });
  }

  heartbeat(stream: string, group: string, memberId: string): Promise<Membership> {
    return this.#call('POST', groupPath(stream, group, '/heartbeat'), { body: { memberId } });
  }

  async leaveGroup(stream: string, group: string, memberId: string): Promise<boolean> {
    return (await this.#call<{ left: boolean }>('POST', groupPath(stream, group, '/leave'), { body: { memberId } })).left;
  }

  async describeGroup(stream: string, group: string): Promise<GroupInfo | null> {
    return (await this.#call<{ group: GroupInfo | null }>('GET', groupPath(stream, group))).group;
  }

  async committedOffsets(stream: string, group: string): Promise<CommittedOffset[]> {
    return (await this.#call<{ offsets: CommittedOffset[] }>('GET', groupPath(stream, group, '/offsets'))).offsets;
  }

  async loadState(stream: string, group: string, partition: number): Promise<StateEntry[]> {
    const r = await this.#call<{ state: { key: string; valueBase64: string }[] }>('GET', groupPath(stream, group, `/state?partition=${partition}`));
    return r.state.map((e) => ({ key: e.key, value: new Uint8Array(Buffer.from(e.valueBase64, 'base64')) }));
  }

  async commit(stream: string, group: string, request: CommitRequest): Promise<void> {
    await this.#call('POST', groupPath(stream, group, '/commit'), { json: commitJson(request) });
  }

  #call<T>(method: string, path: string, options?: CallOptions): Promise<T> {
    this.#ctx.life.checkOpen();
    return this.#ctx.http.call<T>(method, path, options);
  }
}

/** The commit body as JSON text, with output records in the API's message form (wire.ts). */
function commitJson(request: CommitRequest): string {
  const { memberId, generation, offsets, state, appends, publishes } = request;
  const fields = [`"memberId":${JSON.stringify(memberId)}`, `"generation":${generation}`, `"offsets":${JSON.stringify(offsets)}`];
  if (state) {
    const changes = state.map((c) => ({ partition: c.partition, key: c.key, valueBase64: c.value === null ? null : Buffer.from(c.value).toString('base64') }));
    fields.push(`"state":${JSON.stringify(changes)}`);
  }
  if (appends) fields.push(`"appends":[${appends.map((a) => `{"stream":${JSON.stringify(a.stream)},"messages":${messagesJson(a.entries)}}`).join(',')}]`);
  if (publishes) fields.push(`"publishes":[${publishes.map((p) => `{"topic":${JSON.stringify(p.topic)},"messages":${messagesJson(p.entries)}}`).join(',')}]`);
  return `{${fields.join(',')}}`;
}
