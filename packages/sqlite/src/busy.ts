/** SQLITE_BUSY (and its extended codes): another connection held the write lock past the timeout. */
export function isBusy(err: unknown): boolean {
  return typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');
}
