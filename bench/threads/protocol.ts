/** Experiment (issue 2): what main and the SQL worker say to each other, one batch per event-loop turn. */
export interface Batch {
  sends: { token: number; ids: string[]; types: string[]; kinds: number[]; ts: number[]; headers: (string | null)[]; lens: number[] }[];
  /** Every body of `sends`, back to back. */
  bodies: ArrayBuffer;
  leases: { token: number; max: number; visibilityMs: number }[];
  acks: { token: number; seq: number; lease: number }[];
}

/** At commit: what was leased (bodies back to back). */
export interface Committed {
  kind: 'committed';
  /** Messages stored by this commit (waiting long polls look again). */
  stored: number;
  leases: { token: number; lease: number; seqs: number[]; receives: number[]; ids: string[]; types: string[]; kinds: number[]; ts: number[]; headers: (string | null)[]; lens: number[] }[];
  bodies: ArrayBuffer;
}

/** After the WAL sync: the sends (token, then seqs) and acks now durable. */
export interface Durable {
  kind: 'durable';
  sent: number[][];
  acked: number[];
}
