/** lineage-ledger: data lineage as an event-sourced, hash-chained ledger. */
export { open, Ledger } from './ledger.js';
export type { OpenOptions, RunOptions, TrackOptions, FinishOptions, LedgerStats } from './ledger.js';
export { Transform, Run, File } from './model/records.js';
export type { TransformInit, RunInit, FileInit, LineageRecord, Model } from './model/records.js';
export type { LoadOptions } from './model/binding.js';
export { Snapshot } from './snapshot.js';
export type { Query, Where, Via } from './query/select.js';
export type { LineageGraph, LineageNode, LineageEdge, LineageOptions, Direction, NodeKind } from './query/lineage.js';
export type { Durability, Head } from './log/event-log.js';
export type { Context } from './context/run-context.js';
export type { EventType, LedgerEvent, JsonValue, RunStatus, TransformType } from './events/types.js';
export { LineageError, ERROR_CODES, isLineageError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { LIMITS } from './limits.js';
export { datasets } from './datasets.js';
export { repair } from './repair.js';
export type { RepairReport } from './repair.js';
