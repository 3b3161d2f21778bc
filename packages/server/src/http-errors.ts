import { ErrorCode, isSwitchyardError } from '@switchyard/core';

/** Errors only the HTTP layer raises. */
export const HttpErrorCode = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  ShuttingDown: 'SHUTTING_DOWN',
  Internal: 'INTERNAL',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.InvalidName]: 400,
  [ErrorCode.MessageTooLarge]: 413,
  [ErrorCode.BatchTooLarge]: 400,
  [ErrorCode.QueueNotFound]: 404,
  [ErrorCode.QueueAlreadyExists]: 409,
  [ErrorCode.QueueInUse]: 409,
  [ErrorCode.TopicNotFound]: 404,
  [ErrorCode.InvalidReceipt]: 400,
  [ErrorCode.ReceiptExpired]: 409,
  [ErrorCode.LeaseExpired]: 409,
  [ErrorCode.NoDeadLetterQueue]: 409,
  [ErrorCode.InvalidFilterPolicy]: 400,
  [ErrorCode.Unsupported]: 501,
  [ErrorCode.Closed]: 503,
  [ErrorCode.Aborted]: 503,
  [ErrorCode.Busy]: 503,
};

/** Listed codes first; then by the code's shape: *_NOT_FOUND 404, *_ALREADY_EXISTS 409, else 400. */
function statusFor(code: ErrorCode): number {
  const listed = statusByCode[code];
  if (listed !== undefined) return listed;
  if (code.endsWith('_NOT_FOUND')) return 404;
  if (code.endsWith('_ALREADY_EXISTS')) return 409;
  return 400;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** The status and JSON body for any error a handler throws; unknown errors are 500 without details. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isSwitchyardError(err)) {
    return { status: statusFor(err.code), body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof HttpError) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  const fastify = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = fastify.statusCode === 413 ? HttpErrorCode.PayloadTooLarge : HttpErrorCode.BadRequest;
    return { status: fastify.statusCode, body: { error: { code, message: fastify.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: HttpErrorCode.Internal, message: 'internal error' } } };
}
