import { ErrorCode, SwitchyardError } from '../errors.js';

export class StreamNotFoundError extends SwitchyardError {
  constructor(readonly stream: string) {
    super(ErrorCode.StreamNotFound, `stream ${JSON.stringify(stream)} does not exist`);
  }
}

export class StreamAlreadyExistsError extends SwitchyardError {
  constructor(readonly stream: string, detail: string) {
    super(ErrorCode.StreamAlreadyExists, `stream ${JSON.stringify(stream)} already exists ${detail}`);
  }
}

export class PartitionOutOfRangeError extends SwitchyardError {
  constructor(readonly stream: string, readonly partition: number, readonly partitions: number) {
    super(ErrorCode.PartitionOutOfRange, `stream ${JSON.stringify(stream)} has partitions 0 to ${partitions - 1}; there is no partition ${partition}`);
  }
}

/**
 * The offset is not in the partition's log: below `start` (removed by retention) or above `end`.
 * A consumer usually moves to `start` or `end` and carries on.
 */
export class OffsetOutOfRangeError extends SwitchyardError {
  constructor(
    readonly stream: string,
    readonly partition: number,
    readonly offset: number,
    readonly start: number,
    readonly end: number,
  ) {
    super(ErrorCode.OffsetOutOfRange, `offset ${offset} is outside partition ${partition} of stream ${JSON.stringify(stream)}, which holds offsets ${start} to ${end}`);
  }
}

/**
 * The member does not own the partition under the generation it named: it expired, left, lost
 * the partition in a rebalance, or is an older incarnation of a static member. Nothing of the
 * commit was stored; the member should rewind to its committed offsets and state.
 */
export class NotPartitionOwnerError extends SwitchyardError {
  constructor(readonly stream: string, readonly group: string, readonly memberId: string, readonly partition: number) {
    super(
      ErrorCode.NotPartitionOwner,
      `member ${JSON.stringify(memberId)} of group ${JSON.stringify(group)} does not own partition ${partition} of stream ${JSON.stringify(stream)} (any more)`,
    );
  }
}

/** The group does not know the member (it expired or left); it must join again. */
export class UnknownMemberError extends SwitchyardError {
  constructor(readonly stream: string, readonly group: string, readonly memberId: string) {
    super(ErrorCode.UnknownMember, `group ${JSON.stringify(group)} of stream ${JSON.stringify(stream)} has no member ${JSON.stringify(memberId)}`);
  }
}
