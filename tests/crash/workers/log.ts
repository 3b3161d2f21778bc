import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * An append-only event log shared by the crash workers. Each line is one write(2) on an
 * O_APPEND descriptor, so lines from several processes never interleave and their order in the
 * file is the order in which they happened.
 */
export function openLog(path: string): { write(line: string): void; close(): void } {
  const fd = openSync(path, 'a');
  return {
    write: (line) => void writeSync(fd, `${line}\n`),
    close: () => closeSync(fd),
  };
}
