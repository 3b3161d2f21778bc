import type { FastifyReply } from 'fastify';

/** A request's abort signal, and the listener to remove once the request is done. */
export interface RequestSignal {
  signal: AbortSignal;
  release(): void;
}

/**
 * A signal that aborts when the server begins shutting down or the client goes away, for a
 * request that may wait (a long poll). The response, not the request, tells that the client went
 * away: a request emits 'close' as soon as its body is read. One controller fed by both, which
 * costs less per request than AbortSignal.any; call release() when the request is done.
 */
export function requestSignal(reply: FastifyReply, shutdown: AbortSignal): RequestSignal {
  const gone = new AbortController();
  const end = () => gone.abort();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) end();
  });
  if (shutdown.aborted) end();
  else shutdown.addEventListener('abort', end, { once: true });
  return { signal: gone.signal, release: () => shutdown.removeEventListener('abort', end) };
}
