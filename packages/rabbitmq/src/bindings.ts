import type { FilterPolicy } from '@switchyard/core';

/** More bindings than this for one subscription and the engine filters it itself instead. */
const maxBindings = 32;

/**
 * The headers-exchange bindings that route exactly what a filter policy matches, when there are
 * such bindings: a policy whose every key lists exact string values is an OR of ANDs of header
 * equalities (one `x-match: all` binding per combination of values). Prefix, numeric,
 * anything-but, exists and `$or` rules have no binding equivalent, so for those the engine
 * matches the policy itself and publishes the copy to the queue directly. No filter is one
 * binding that matches everything.
 */
export function bindingsFor(filter: FilterPolicy | null): Record<string, string>[] | undefined {
  if (!filter) return [{ 'x-match': 'all' }];
  let combos: Record<string, string>[] = [{ 'x-match': 'all' }];
  for (const [key, rules] of Object.entries(filter)) {
    if (key.startsWith('$') || key.startsWith('x-') || !Array.isArray(rules) || rules.length === 0) return undefined;
    if (!rules.every((r) => typeof r === 'string')) return undefined;
    const next: Record<string, string>[] = [];
    for (const combo of combos) for (const value of rules as string[]) next.push({ ...combo, [key]: value });
    if (next.length > maxBindings) return undefined;
    combos = next;
  }
  return combos;
}
