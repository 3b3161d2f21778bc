import type { CommitRequest } from '@switchyard/core';
import { asBuffer } from '../codec.js';
import type { Connection } from '../connection.js';
import { fanout, insertArgs } from '../queues.js';
import { appendBlock, type Arg } from './records.js';

/** What a commit stored outputs in, to wake this engine's own waiters (others hear the script's PUBLISH). */
export interface CommitOutputs {
  streams: string[];
  queues: string[];
}

/**
 * A consumer's atomic step in one script (lua/commit-script.ts). Publishes are matched against
 * the topics' subscriptions here, as `publish` does, and the script checks that the
 * subscriptions have not changed since; if they have, it stores nothing and the commit is
 * matched and sent again.
 */
export async function commit(conn: Connection, stream: string, group: string, req: CommitRequest): Promise<CommitOutputs> {
  const head: Arg[] = [stream, group, req.memberId, req.generation, req.offsets.length];
  for (const o of req.offsets) head.push(o.partition, o.offset);
  const state = req.state ?? [];
  head.push(state.length);
  for (const c of state) head.push(c.partition, c.key, c.value === null ? '0' : '1', c.value === null ? '' : asBuffer(c.value));
  const appends = req.appends ?? [];
  head.push(appends.length);
  for (const a of appends) head.push(...appendBlock(a.stream, a.entries));
  const publishes = req.publishes ?? [];
  const outputs: CommitOutputs = { streams: appends.filter((a) => a.entries.length > 0).map((a) => a.stream), queues: [] };
  for (;;) {
    const tail: Arg[] = [publishes.length, ...publishes.map((p) => p.topic)];
    if (publishes.length > 0) {
      const fans = await Promise.all(publishes.map((p) => fanout(conn, p.topic, p.entries)));
      // One subscription version for all topics, so the script's single check covers them all.
      const version = fans[0]?.version ?? '';
      if (fans.some((f) => f.version !== version)) continue;
      const targets = fans.flatMap((f) => f.targets);
      tail.push(...insertArgs(publishes.flatMap((p) => p.entries), targets), version);
      outputs.queues = [...new Set(targets.flat())];
    }
    if ((await conn.scripts.run('syGroupCommit', ...head, ...tail)) === -1) continue;
    return outputs;
  }
}
