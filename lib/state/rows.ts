import type { JsonValue, RunEnvironment, RunStatus, TransformType } from '../events/types.js';

/** A version of a transform, as of the event `seq` that made it. */
export interface TransformRow {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly type: TransformType;
  readonly reference?: string;
  readonly hash?: string;
  readonly revises?: string;
  readonly createdAt: string;
}

/** A version of a run, as of the event `seq` that made it. */
export interface RunRow {
  readonly seq: number;
  readonly id: string;
  readonly transformId: string;
  readonly name?: string;
  readonly params?: { readonly [key: string]: JsonValue };
  readonly parentRunId?: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly status: RunStatus;
  readonly error?: string;
  /** Where the run executed (runs started since run.started v2). */
  readonly environment?: Readonly<RunEnvironment>;
}

/** A version of a file, as of the event `seq` that made it. */
export interface FileRow {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly suffix: string;
  readonly size?: number;
  readonly hash?: string;
  readonly key?: string;
  readonly runId?: string;
  readonly createdAt: string;
}
