import { HttpError, HttpErrorCode } from '../http-errors.js';

/**
 * The push channel's frames (JSON text frames on `GET /v1/ws`). A client sends requests, each
 * with an `id` of its choosing (unique among its pending requests); the server answers each
 * request exactly once with a frame carrying the same `id`:
 *
 *   → { op: 'receive', id, queue, max?, waitMs?, visibilityMs? }   ← { id, messages: Delivery[] }
 *   → { op: 'ack', id, queue, receipt }                            ← { id, ok: true }
 *   → { op: 'nack', id, queue, receipt, delayMs?, error? }         ← { id, ok: true }
 *   → { op: 'extend', id, queue, receipt, visibilityMs }           ← { id, ok: true }
 *   → { op: 'cancel', id }   (ends the pending receive `id` early; that receive then answers, empty)
 *   any failure                                                    ← { id, error: { code, message } }
 *
 * A frame that cannot be read at all is answered with `id: null`. `fence` (test-clock mode only)
 * orders the request before a later clock advance.
 */
export type FrameId = string | number;

export interface ReceiveFrame {
  op: 'receive';
  id: FrameId;
  queue: string;
  max?: number;
  waitMs?: number;
  visibilityMs?: number;
  fence?: string;
}

export interface SettleFrame {
  op: 'ack' | 'nack' | 'extend';
  id: FrameId;
  queue: string;
  receipt: string;
  delayMs?: number;
  error?: string;
  visibilityMs?: number;
  fence?: string;
}

export interface CancelFrame {
  op: 'cancel';
  id: FrameId;
}

export type ClientFrame = ReceiveFrame | SettleFrame | CancelFrame;

const ops = new Set(['receive', 'ack', 'nack', 'extend', 'cancel']);

/**
 * Checks the envelope (op, id, queue); the values inside are validated by the Queue facade like
 * any other call, so they fail with the same typed errors.
 */
export function parseFrame(text: string): ClientFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    throw bad('a frame must be a JSON object');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw bad('a frame must be a JSON object');
  const { op, id, queue } = frame as Record<string, unknown>;
  if (!isFrameId(id)) throw bad('id: must be a string of 1 to 64 characters or a non-negative integer');
  if (typeof op !== 'string' || !ops.has(op)) throw bad(`op: must be one of ${[...ops].join(', ')}`, id);
  if (op !== 'cancel' && typeof queue !== 'string') throw bad('queue: must be a string', id);
  return frame as ClientFrame;
}

export function isFrameId(id: unknown): id is FrameId {
  return (typeof id === 'string' && id.length > 0 && id.length <= 64) || (Number.isSafeInteger(id) && (id as number) >= 0);
}

/** A frame that cannot be acted on; carries the id when the frame had a readable one. */
export class FrameError extends HttpError {
  constructor(
    message: string,
    readonly id: FrameId | null,
  ) {
    super(400, HttpErrorCode.BadRequest, message);
  }
}

function bad(message: string, id: FrameId | null = null): FrameError {
  return new FrameError(message, id);
}
