/**
 * A message's sequence number as the contract shows it: the row's seq, which SQLite's
 * AUTOINCREMENT never reuses and only grows, as 20 decimal digits (so text order is number order).
 */
export function formatSequence(seq: number): string {
  return String(seq).padStart(20, '0');
}
