import { LIMITS } from '../limits.js';

/** The kinds of record that can be trashed, restored and described. */
export type RecordKindName = 'transform' | 'run' | 'file';

/** `record.trashed` v1: a transform, run or file moved to the trash (hidden from default queries, kept in lineage). */
export interface RecordTrashed {
  kind: RecordKindName;
  id: string;
}
/** `record.restored` v1: a trashed record back out of the trash. */
export interface RecordRestored {
  kind: RecordKindName;
  id: string;
}
/** Who erased a file's content: the OS user and host of the process that asked (the event's `at` says when). */
export interface ErasedBy {
  user?: string;
  hostname: string;
  /** The run in whose context the erase was asked, if any. */
  runId?: string;
}
/** `file.erased` v1: a trashed file's stored content was removed for good; its record, hash and lineage stay. */
export interface FileErased {
  fileId: string;
  by: ErasedBy;
}
/** `file.versioned` v1: a new file's virtual key, and the version of its family it revises (both optional, one at least). */
export interface FileVersioned {
  fileId: string;
  key?: string;
  revises?: string;
}
/** `record.described` v1: a record's description set, changed or (null) cleared; earlier values stay in history. */
export interface RecordDescribed {
  kind: RecordKindName;
  id: string;
  description: string | null;
}

/** The event types of trash, versions, keys and descriptions, with their data. */
export interface LifecycleEventData {
  'record.trashed': RecordTrashed;
  'record.restored': RecordRestored;
  'file.erased': FileErased;
  'file.versioned': FileVersioned;
  'record.described': RecordDescribed;
}

/** The longest description, in characters. */
export const DESCRIPTION_LENGTH = 16 * 1024;
/** A virtual key: a relative, path-like name (no leading or trailing slash, no empty, `.` or `..` segment). */
export const KEY_PATTERN = '^(?!/)(?!.*//)(?!.*/$)(?!(.*/)?\\.\\.?(/|$))[^\\u0000-\\u001f\\\\]+$';

const id = { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' } as const;
const kind = { enum: ['transform', 'run', 'file'] } as const;
const key = { type: 'string', minLength: 1, maxLength: LIMITS.nameLength, pattern: KEY_PATTERN } as const;

function object(required: string[], properties: Record<string, unknown>) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}

/** The JSON Schemas of the lifecycle events, by type and version (never edit a published version). */
export const LIFECYCLE_SCHEMAS = {
  'record.trashed': { 1: object(['kind', 'id'], { kind, id }) },
  'record.restored': { 1: object(['kind', 'id'], { kind, id }) },
  'file.erased': {
    1: object(['fileId', 'by'], {
      fileId: id,
      by: object(['hostname'], { user: { type: 'string', maxLength: 255 }, hostname: { type: 'string', maxLength: 255 }, runId: id }),
    }),
  },
  // fileId and at least one of key and revises (no other property is allowed).
  'file.versioned': { 1: { ...object(['fileId'], { fileId: id, key, revises: id }), minProperties: 2 } },
  'record.described': { 1: object(['kind', 'id', 'description'], { kind, id, description: { type: ['string', 'null'], maxLength: DESCRIPTION_LENGTH } }) },
} as const;
