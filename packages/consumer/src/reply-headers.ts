/**
 * Headers of the request/reply pattern. A request carries `reply-to` (the requester's reply
 * queue) and `reply-deadline`; the reply's `causation-id` is the request's id (that is how a
 * requester matches replies to requests), and its `correlation-id` continues the request's.
 */
export const ReplyHeader = {
  /** Epoch ms after which the requester no longer waits; a responder skips the request then. */
  deadline: 'reply-deadline',
  /** `ok`, or `error` when the responder gave up on the request (a DoNotRetryError). */
  status: 'reply-status',
  /** With `reply-status: error`: what went wrong. */
  error: 'reply-error',
} as const;
