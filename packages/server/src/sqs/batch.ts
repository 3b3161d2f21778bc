import { sqsErrors, toSqsError } from './errors.js';

const idPattern = /^[A-Za-z0-9_-]{1,80}$/;

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

/** Checks a batch's shape as SQS does: 1 to 10 entries, valid and distinct ids. */
export function checkBatch(entries: unknown): Record<string, unknown>[] {
  if (entries === undefined || entries === null) throw sqsErrors.missingParameter('Entries');
  if (!Array.isArray(entries) || entries.length === 0) throw sqsErrors.emptyBatch();
  if (entries.length > 10) throw sqsErrors.tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const e of entries) {
    const id = (e as { Id?: unknown })?.Id;
    if (typeof id !== 'string' || !idPattern.test(id)) throw sqsErrors.invalidBatchEntryId();
    if (seen.has(id)) throw sqsErrors.idsNotDistinct();
    seen.add(id);
  }
  return entries as Record<string, unknown>[];
}

export function batchFailure(id: string, err: unknown): BatchFailure {
  const e = toSqsError(err);
  return { Id: id, SenderFault: e.sender, Code: e.type, Message: e.message };
}
