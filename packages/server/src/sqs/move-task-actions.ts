import { arnToName, optionalInt, requireString, type SqsAction } from './context.js';
import type { MoveTask } from './move-tasks.js';

function describe(t: MoveTask): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Status: t.status,
    SourceArn: t.sourceArn,
    ApproximateNumberOfMessagesMoved: t.moved,
    ApproximateNumberOfMessagesToMove: t.toMove,
    StartedTimestamp: t.startedAt,
  };
  if (t.status === 'RUNNING') out.TaskHandle = t.handle;
  if (t.destinationArn) out.DestinationArn = t.destinationArn;
  if (t.maxPerSecond !== undefined) out.MaxNumberOfMessagesPerSecond = t.maxPerSecond;
  if (t.failureReason) out.FailureReason = t.failureReason;
  return out;
}

const startMessageMoveTask: SqsAction = async (ctx, call) => {
  const sourceArn = requireString(call.input, 'SourceArn');
  const source = arnToName(sourceArn);
  call.authorize('manage', source);
  const destinationArn = call.input.DestinationArn === undefined ? undefined : requireString(call.input, 'DestinationArn');
  const destination = destinationArn === undefined ? undefined : arnToName(destinationArn);
  if (destination !== undefined) call.authorize('send', destination);
  await ctx.broker.queue(source).info();
  if (destination !== undefined) await ctx.broker.queue(destination).info();
  const rate = optionalInt(call.input, 'MaxNumberOfMessagesPerSecond', 1, 500);
  const task = await ctx.tasks.start(source, sourceArn, destination, destinationArn, rate);
  return { TaskHandle: task.handle };
};

const cancelMessageMoveTask: SqsAction = async (ctx, call) => {
  const handle = requireString(call.input, 'TaskHandle');
  const task = ctx.tasks.cancel(handle);
  call.authorize('manage', task.source);
  return { ApproximateNumberOfMessagesMoved: task.moved };
};

const listMessageMoveTasks: SqsAction = async (ctx, call) => {
  const sourceArn = requireString(call.input, 'SourceArn');
  call.authorize('manage', arnToName(sourceArn));
  const max = optionalInt(call.input, 'MaxResults', 1, 10) ?? 1;
  return { Results: ctx.tasks.list(sourceArn, max).map(describe) };
};

export const moveTaskActions: Record<string, SqsAction> = {
  StartMessageMoveTask: startMessageMoveTask,
  CancelMessageMoveTask: cancelMessageMoveTask,
  ListMessageMoveTasks: listMessageMoveTasks,
};
