import { randomUUID } from 'node:crypto';
import type { Broker, Clock } from '@switchyard/core';
import { sqsErrors } from './errors.js';

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MoveTask {
  handle: string;
  status: MoveTaskStatus;
  sourceArn: string;
  source: string;
  destinationArn?: string;
  destination?: string;
  maxPerSecond?: number;
  moved: number;
  toMove: number;
  startedAt: number;
  failureReason?: string;
  abort: AbortController;
}

/**
 * SQS message move tasks (StartMessageMoveTask and friends) over the library's redrive. A task
 * moves in chunks so its progress can be read while it runs; at most one runs per source queue.
 * Tasks live in memory: a restart forgets them (the messages already moved stay moved).
 */
export class MoveTasks {
  readonly #tasks: MoveTask[] = [];
  readonly #broker: Broker;
  readonly #clock: Clock;

  constructor(broker: Broker, clock: Clock) {
    this.#broker = broker;
    this.#clock = clock;
  }

  async start(source: string, sourceArn: string, destination: string | undefined, destinationArn: string | undefined, maxPerSecond: number | undefined): Promise<MoveTask> {
    if (this.#tasks.some((t) => t.source === source && t.status === 'RUNNING')) {
      throw sqsErrors.unsupportedOperation('There is already a task running. Only one active task is allowed for a source queue ARN at a given time.');
    }
    const sources = await this.#broker.engine.admin.listDeadLetterSources(source);
    if (sources.length === 0 && destination === undefined) {
      throw sqsErrors.invalidParameterValue('Source queue must be configured as a Dead Letter Queue.');
    }
    const stats = await this.#broker.queue(source).stats();
    const task: MoveTask = {
      handle: Buffer.from(JSON.stringify({ id: randomUUID(), sourceArn })).toString('base64'),
      status: 'RUNNING',
      sourceArn,
      source,
      moved: 0,
      toMove: stats.ready + stats.leased + stats.delayed + stats.blocked,
      startedAt: this.#clock.now(),
      abort: new AbortController(),
    };
    if (destination !== undefined) Object.assign(task, { destination, destinationArn });
    if (maxPerSecond !== undefined) task.maxPerSecond = maxPerSecond;
    this.#tasks.unshift(task);
    void this.#run(task);
    return task;
  }

  async #run(task: MoveTask): Promise<void> {
    const chunk = task.maxPerSecond ?? 1000;
    try {
      for (;;) {
        const r = await this.#broker.queue(task.source).redrive({
          max: chunk,
          ...(task.destination === undefined ? {} : { to: task.destination }),
          ...(task.maxPerSecond === undefined ? {} : { maxPerSecond: task.maxPerSecond }),
          signal: task.abort.signal,
        });
        task.moved += r.moved;
        if (r.moved < chunk) break;
      }
      task.status = 'COMPLETED';
    } catch (err) {
      if (task.abort.signal.aborted) task.status = 'CANCELLED';
      else {
        task.status = 'FAILED';
        task.failureReason = err instanceof Error ? err.message : String(err);
      }
    }
  }

  cancel(handle: string): MoveTask {
    const task = this.#tasks.find((t) => t.handle === handle);
    if (!task) throw sqsErrors.resourceNotFound('Task does not exist.');
    if (task.status !== 'RUNNING') throw sqsErrors.unsupportedOperation(`Task is in status ${task.status} and cannot be cancelled.`);
    task.status = 'CANCELLING';
    task.abort.abort();
    return task;
  }

  list(sourceArn: string, max: number): MoveTask[] {
    return this.#tasks.filter((t) => t.sourceArn === sourceArn).slice(0, max);
  }

  /** Stops every running task (server shutdown). */
  stopAll(): void {
    for (const t of this.#tasks) if (t.status === 'RUNNING') t.abort.abort();
  }
}
