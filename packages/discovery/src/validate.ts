/** Option checks; each throws InvalidArgumentError naming the field. */
import { InvalidArgumentError, InvalidNameError } from '@switchyard/core';

/** A finite number > 0 (or ≥ 0 with `allowZero`). */
export function checkPositive(field: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(field, `must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}

/** An integer ≥ min. */
export function checkCount(field: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(field, `must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** A number in [0, 1]. */
export function checkShare(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError(field, `must be a number in [0, 1], got ${String(value)}`);
  }
  return value;
}

const nameRule = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * Service names and instance ids become etcd key segments, so they may not contain `/`: 1–128
 * characters of letters, digits and `. _ : @ -`, starting with a letter or digit.
 */
export function checkName(kind: 'service' | 'instance id', value: unknown): string {
  if (typeof value !== 'string' || !nameRule.test(value)) {
    throw new InvalidNameError(kind, value, '1-128 characters of letters, digits and . _ : @ -, starting with a letter or digit');
  }
  return value;
}
