import type { Logger } from '@switchyard/consumer';

/** Warnings and errors as JSON lines on stderr (the parent passes stderr through); the rest dropped. */
export function stderrLogger(bindings: Record<string, unknown> = {}): Logger {
  const line = (level: string) => (fields: Record<string, unknown>, msg?: string) => {
    const err = fields.err instanceof Error ? { err: `${fields.err.name}: ${fields.err.message}` } : {};
    process.stderr.write(`${JSON.stringify({ level, pid: process.pid, msg, ...bindings, ...fields, ...err })}\n`);
  };
  const quiet = () => undefined;
  return { child: (b) => stderrLogger({ ...bindings, ...b }), debug: quiet, info: quiet, warn: line('warn'), error: line('error') };
}
