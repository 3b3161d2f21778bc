import { ErrorCode, isSwitchyardError } from '@switchyard/core';

/**
 * A value from a request, for an error message. Never throws, whatever the client sent (`String`
 * throws on `{"toString": {}}`); long values are cut.
 */
export function shown(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === null || typeof value !== 'object') text = String(value);
  else {
    try {
      text = JSON.stringify(value);
    } catch {
      text = Array.isArray(value) ? 'an array' : 'an object';
    }
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * An error in SQS's own terms. On the AWS JSON 1.0 protocol it is a 4xx with
 * `{"__type": "com.amazonaws.sqs#<type>", "message": ...}` and, as SQS sends for clients that
 * still speak the older query codes, an `x-amzn-query-error: <queryCode>;Sender` header.
 */
export class SqsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly queryCode: string = type,
    readonly sender = true,
  ) {
    super(message);
  }
}

export const sqsErrors = {
  queueDoesNotExist: () => new SqsError('QueueDoesNotExist', 'The specified queue does not exist.', 400, 'AWS.SimpleQueueService.NonExistentQueue'),
  queueNameExists: (name: string) =>
    new SqsError('QueueNameExists', `A queue already exists with the same name (${name}) and a different value for an attribute.`, 400, 'QueueAlreadyExists'),
  invalidParameterValue: (message: string) => new SqsError('InvalidParameterValue', message),
  missingParameter: (name: string) => new SqsError('MissingParameter', `The request must contain the parameter ${name}.`),
  invalidAttributeName: (name: string) => new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`),
  invalidAttributeValue: (message: string) => new SqsError('InvalidAttributeValue', message),
  receiptHandleIsInvalid: (handle: string) =>
    new SqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, 404, 'ReceiptHandleIsInvalid'),
  receiptExpired: (handle: string) =>
    new SqsError('InvalidParameterValue', `Value ${handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`),
  messageNotInflight: () => new SqsError('MessageNotInflight', 'The message referred to is not in flight.', 400, 'AWS.SimpleQueueService.MessageNotInflight'),
  emptyBatch: () => new SqsError('EmptyBatchRequest', 'There should be at least one entry in the request.', 400, 'AWS.SimpleQueueService.EmptyBatchRequest'),
  tooManyEntries: (n: number) =>
    new SqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${n}.`, 400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'),
  idsNotDistinct: () => new SqsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.', 400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'),
  invalidBatchEntryId: () =>
    new SqsError(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      400,
      'AWS.SimpleQueueService.InvalidBatchEntryId',
    ),
  batchTooLong: (limit: number) =>
    new SqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${limit} bytes.`, 400, 'AWS.SimpleQueueService.BatchRequestTooLong'),
  invalidMessageContents: () => new SqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF'),
  unsupportedOperation: (what: string) => new SqsError('UnsupportedOperation', what, 400, 'AWS.SimpleQueueService.UnsupportedOperation'),
  unknownOperation: (action: string) => new SqsError('UnknownOperationException', `Unknown operation ${action}.`),
  invalidAction: (action: string) => new SqsError('InvalidAction', `The action ${action} is not valid for this endpoint.`),
  invalidAddress: (url: string) => new SqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`, 404, 'InvalidAddress'),
  resourceNotFound: (what: string) => new SqsError('ResourceNotFoundException', what, 404),
  serialization: (message: string) => new SqsError('SerializationException', message),
  accessDenied: (message: string) => new SqsError('AccessDenied', message, 403),
  missingAuthenticationToken: () => new SqsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
  invalidClientTokenId: () => new SqsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
  signatureDoesNotMatch: () =>
    new SqsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    ),
  incompleteSignature: (message: string) => new SqsError('IncompleteSignature', message, 403),
  requestExpired: () => new SqsError('RequestExpired', 'Signature expired: the request time is too far from the server time.', 403),
  internal: () => new SqsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500, 'InternalFailure', false),
  shuttingDown: () => new SqsError('ServiceUnavailable', 'The server is shutting down.', 503, 'ServiceUnavailable', false),
} as const;

/** Translates the library's typed errors into what SQS would have said. */
export function toSqsError(err: unknown): SqsError {
  if (err instanceof SqsError) return err;
  if (!isSwitchyardError(err)) return sqsErrors.internal();
  switch (err.code) {
    case ErrorCode.QueueNotFound:
      return sqsErrors.queueDoesNotExist();
    case ErrorCode.InvalidReceipt:
      return sqsErrors.receiptHandleIsInvalid('');
    case ErrorCode.ReceiptExpired:
      return sqsErrors.receiptExpired('');
    case ErrorCode.MessageTooLarge:
      return sqsErrors.invalidParameterValue(`One or more parameters are invalid. Reason: ${err.message}`);
    case ErrorCode.QueueAlreadyExists:
      return sqsErrors.queueNameExists('');
    case ErrorCode.QueueInUse:
      return sqsErrors.invalidParameterValue(err.message);
    case ErrorCode.Closed:
    case ErrorCode.Aborted:
      return sqsErrors.shuttingDown();
    case ErrorCode.Busy:
      return new SqsError('ServiceUnavailable', err.message, 503, 'ServiceUnavailable', false);
    case ErrorCode.Unsupported:
      return sqsErrors.unsupportedOperation(err.message);
    default:
      return sqsErrors.invalidParameterValue(err.message);
  }
}
