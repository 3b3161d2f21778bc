import { sqsErrors } from './errors.js';

/** Checks SQS queue tags: string keys of 1–128 characters, string values up to 256, at most 50. */
export function checkTags(input: unknown, required = false): Record<string, string> {
  if (input === undefined || input === null) {
    if (required) throw sqsErrors.missingParameter('Tags');
    return {};
  }
  if (typeof input !== 'object' || Array.isArray(input)) throw sqsErrors.invalidParameterValue('Tags must be a map of strings.');
  // No prototype: a tag named __proto__ is a tag like any other.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > 50) throw sqsErrors.invalidParameterValue('Too many tags (the limit is 50).');
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128 || k.startsWith('aws:')) throw sqsErrors.invalidParameterValue(`Tag key '${k}' is invalid.`);
    if (typeof v !== 'string' || v.length > 256) throw sqsErrors.invalidParameterValue(`Tag value for '${k}' is invalid.`);
    out[k] = v;
  }
  return out;
}
