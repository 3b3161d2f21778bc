import Table from 'cli-table3';

/** Prints rows as a table for people, or as JSON with --json. */
export function print(json: boolean, value: unknown, rows?: Record<string, unknown>[], columns?: string[]): void {
  if (json || !rows) {
    console.log(JSON.stringify(value, null, json ? 0 : 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const head = columns ?? Object.keys(rows[0] as object);
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) table.push(head.map((c) => cell(r[c])));
  console.log(table.toString());
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A body given on the command line: JSON when it parses, text otherwise. */
export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `k=v` pairs from repeated --header options. */
export function parseHeaders(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--header takes name=value, got ${JSON.stringify(p)}`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}
