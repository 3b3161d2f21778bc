import { ErrorCode, isSwitchyardError, type TrimResult } from '@switchyard/core';
import type { Connection } from '../connection.js';

/**
 * Retention removes a prefix of each partition's log (XTRIM MINID), so offsets stay dense and
 * `start` simply moves up; see `trimLua` for the rules. `chunk` bounds the records removed per
 * partition in one script, since Redis runs nothing else while a script runs.
 */
export async function trim(conn: Connection, stream: string, chunk?: number): Promise<TrimResult> {
  const [removedByAge, removedBySize, removedUncommitted] = (await conn.scripts.run('syStreamTrim', stream, chunk ?? '')) as number[];
  return { removedByAge: removedByAge ?? 0, removedBySize: removedBySize ?? 0, removedUncommitted: removedUncommitted ?? 0 };
}

/**
 * One pass of the engine's own retention schedule over every stream, a bounded script per
 * stream; a large backlog coming due is removed over several passes. Every engine sharing a
 * prefix sweeps; the passes are idempotent. A stream deleted meanwhile is skipped.
 */
export async function sweep(conn: Connection, chunk: number): Promise<void> {
  for (const name of await conn.redis.hkeys(`${conn.prefix}:streams`)) {
    try {
      await trim(conn, name, chunk);
    } catch (err) {
      if (!isSwitchyardError(err, ErrorCode.StreamNotFound)) throw err;
    }
  }
}
