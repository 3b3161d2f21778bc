import {
  AbortedError,
  BatchTooLargeError,
  ClosedError,
  ErrorCode,
  InvalidArgumentError,
  InvalidFilterPolicyError,
  InvalidNameError,
  InvalidReceiptError,
  MessageTooLargeError,
  NoDeadLetterQueueError,
  NotPartitionOwnerError,
  OffsetOutOfRangeError,
  PartitionOutOfRangeError,
  QueueAlreadyExistsError,
  QueueInUseError,
  QueueNotFoundError,
  ReceiptExpiredError,
  StreamAlreadyExistsError,
  StreamNotFoundError,
  SwitchyardError,
  TopicNotFoundError,
  UnknownMemberError,
  UnsupportedError,
} from '@switchyard/core';

/** The error part of every failed response: `{ error: { code, message } }`. */
export interface ErrorDetail {
  code: string;
  message: string;
}

/**
 * The server refused the request at the HTTP layer (401 UNAUTHORIZED, 403 FORBIDDEN, 413
 * PAYLOAD_TOO_LARGE, 503 while shutting down, …): nothing was changed. `serverCode` is the
 * server's code, `status` the HTTP status.
 */
export class RemoteHttpError extends SwitchyardError {
  constructor(
    readonly status: number,
    readonly serverCode: string,
    message: string,
  ) {
    super(ErrorCode.HttpStatus, `HTTP ${status} ${serverCode}: ${message}`);
  }
}

/**
 * The call's outcome is unknown: the connection failed or broke, the answer did not come in time,
 * or the server failed unexpectedly (5xx). Deliberately not a SwitchyardError, whose contract is
 * "refused, nothing changed": a send that ends like this may have been stored.
 */
export class RemoteUnavailableError extends Error {
  override readonly name = 'RemoteUnavailableError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${message}`, options);
  }
}

/** A JSON string literal. */
const jsonString = '"(?:[^"\\\\]|\\\\.)*"';

/** The quoted JSON string after `prefix` at the start of `message`, or '' when it is not there. */
function nameAfter(prefix: string, message: string): string {
  const hit = new RegExp(`^${prefix} (${jsonString})`).exec(message);
  if (!hit) return '';
  try {
    return JSON.parse(hit[1] as string) as string;
  } catch {
    return '';
  }
}

/** The text after the first `separator` (or all of it). */
function after(separator: string, message: string): string {
  const at = message.indexOf(separator);
  return at < 0 ? message : message.slice(at + separator.length);
}

function numbers(message: string): number[] {
  return (message.match(/\d+/g) ?? []).map(Number);
}

/**
 * The parts of `message` matched by `pattern`, where `%s` stands for a JSON string (decoded) and
 * `%d` for an integer; [] when the message does not have that shape. The rest of the pattern is
 * a regular expression.
 */
function fields(pattern: string, message: string): (string | number)[] {
  const kinds: string[] = [];
  const source = pattern.replace(/%[sd]/g, (k) => {
    kinds.push(k);
    return k === '%s' ? `(${jsonString})` : '(-?\\d+)';
  });
  const hit = new RegExp(`^${source}$`, 's').exec(message);
  if (!hit) return [];
  try {
    return kinds.map((k, i) => (k === '%s' ? (JSON.parse(hit[i + 1] as string) as string) : Number(hit[i + 1])));
  } catch {
    return [];
  }
}

/**
 * Rebuilds core's typed errors from the server's `{ code, message }`, so a caller branches on
 * `code` (or instanceof) exactly as with the embedded engine. The class's fields are recovered
 * from the message where the server's wording carries them; the message is always the server's.
 */
const rebuild: Partial<Record<string, (message: string) => SwitchyardError>> = {
  [ErrorCode.InvalidArgument]: (m) => new InvalidArgumentError(m.includes(': ') ? m.slice(0, m.indexOf(': ')) : 'request', after(': ', m)),
  [ErrorCode.InvalidName]: (m) => {
    const hit = new RegExp(`^invalid (\\S+) name (${jsonString}|\\S*): (.*)$`, 's').exec(m);
    let value: unknown = hit?.[2];
    try {
      value = JSON.parse(hit?.[2] ?? '');
    } catch {
      // keep the raw text
    }
    return new InvalidNameError(hit?.[1] ?? 'resource', value, hit?.[3] ?? m);
  },
  [ErrorCode.MessageTooLarge]: (m) => {
    const [index = 0, size = 0, limit = 0] = numbers(m);
    return new MessageTooLargeError(size, limit, index);
  },
  [ErrorCode.BatchTooLarge]: (m) => {
    const [size = 0, limit = 0] = numbers(m);
    return new BatchTooLargeError(size, limit);
  },
  [ErrorCode.QueueNotFound]: (m) => new QueueNotFoundError(nameAfter('queue', m)),
  [ErrorCode.QueueAlreadyExists]: (m) => new QueueAlreadyExistsError(nameAfter('queue', m), after(' already exists ', m)),
  [ErrorCode.QueueInUse]: (m) => new QueueInUseError(nameAfter('queue', m), after(' is in use: ', m)),
  [ErrorCode.TopicNotFound]: (m) => new TopicNotFoundError(nameAfter('topic', m)),
  [ErrorCode.StreamNotFound]: (m) => new StreamNotFoundError(nameAfter('stream', m)),
  [ErrorCode.StreamAlreadyExists]: (m) => new StreamAlreadyExistsError(nameAfter('stream', m), after(' already exists ', m)),
  [ErrorCode.PartitionOutOfRange]: (m) => {
    const [stream = '', last = -1, partition = -1] = fields('stream %s has partitions 0 to %d; there is no partition %d', m);
    return new PartitionOutOfRangeError(String(stream), Number(partition), Number(last) + 1);
  },
  // The consumer moves on from `start` or `end` when retention passed its position: these must survive.
  [ErrorCode.OffsetOutOfRange]: (m) => {
    const [offset = -1, partition = -1, stream = '', start = -1, end = -1] = fields('offset %d is outside partition %d of stream %s, which holds offsets %d to %d', m);
    return new OffsetOutOfRangeError(String(stream), Number(partition), Number(offset), Number(start), Number(end));
  },
  [ErrorCode.NotPartitionOwner]: (m) => {
    const [member = '', group = '', partition = -1, stream = ''] = fields('member %s of group %s does not own partition %d of stream %s \\(any more\\)', m);
    return new NotPartitionOwnerError(String(stream), String(group), String(member), Number(partition));
  },
  [ErrorCode.UnknownMember]: (m) => {
    const [group = '', stream = '', member = ''] = fields('group %s of stream %s has no member %s', m);
    return new UnknownMemberError(String(stream), String(group), String(member));
  },
  [ErrorCode.InvalidReceipt]: (m) => new InvalidReceiptError(after('invalid receipt: ', m)),
  [ErrorCode.ReceiptExpired]: (m) => new ReceiptExpiredError(nameAfter('the lease behind this receipt on queue', m)),
  [ErrorCode.NoDeadLetterQueue]: (m) => new NoDeadLetterQueueError(nameAfter('queue', m)),
  [ErrorCode.InvalidFilterPolicy]: (m) => {
    const hit = /^invalid filter policy at (.*?): (.*)$/s.exec(m);
    return new InvalidFilterPolicyError(hit?.[1] ?? '', hit?.[2] ?? m);
  },
  [ErrorCode.Unsupported]: (m) => new UnsupportedError(m.split(' is not supported: ')[0] ?? '', after(' is not supported: ', m)),
  [ErrorCode.Closed]: (m) => new ClosedError(m.replace(/ is closed$/, '')),
  [ErrorCode.Aborted]: () => new AbortedError(),
};

const knownCodes = new Set<string>(Object.values(ErrorCode));

/**
 * The error to throw for a failed response. Engine codes become core's classes (or a plain
 * SwitchyardError with that code when core has no dedicated class); HTTP-layer codes become
 * RemoteHttpError; 5xx without an engine code becomes RemoteUnavailableError.
 */
export function errorFromResponse(url: string, status: number, detail: Partial<ErrorDetail> | undefined): Error {
  const code = typeof detail?.code === 'string' ? detail.code : '';
  const message = typeof detail?.message === 'string' ? detail.message : `HTTP ${status}`;
  if (knownCodes.has(code)) {
    const err = rebuild[code]?.(message) ?? new SwitchyardError(code as ErrorCode, message);
    // The server's wording is the truth; a rebuilt field is a best effort.
    Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
    return err;
  }
  if (status >= 500 && status !== 503) return new RemoteUnavailableError(url, `the server failed (HTTP ${status}${code ? ` ${code}` : ''}): ${message}`);
  return new RemoteHttpError(status, code || `HTTP_${status}`, message);
}

/** Statuses of the server's HTTP-layer codes, for errors that arrive without one (push channel, ack results). */
const statusOfCode: Record<string, number> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, PAYLOAD_TOO_LARGE: 413, INTERNAL: 500, SHUTTING_DOWN: 503 };

/** The error for a `{ code, message }` that came without an HTTP status. */
export function errorFromDetail(url: string, detail: Partial<ErrorDetail> | undefined): Error {
  return errorFromResponse(url, statusOfCode[detail?.code ?? ''] ?? 400, detail);
}
