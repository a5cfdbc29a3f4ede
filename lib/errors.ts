/** Every error code lineage-ledger throws, with what it means; the README's table is made from this. */
export const ERROR_CODES = {
  LEDGER_LOCKED: 'the ledger is open elsewhere (another process, or earlier in this one)',
  LEDGER_CLOSED: 'the ledger was closed; open it again',
  LEDGER_CORRUPT: 'the files on disk could not be read as a ledger',
  LEDGER_FORMAT: 'the ledger was written by an unknown, newer format version',
  LEDGER_NOT_FOUND: 'no ledger exists at that path (the CLI\'s reading commands never create one)',
  INVALID_EVENT: 'an event failed its JSON Schema and was not written',
  INVALID_FACET: 'a standard OpenLineage facet failed its own schema; nothing of its event was written (the message names the event and the facet)',
  INVALID_ARGUMENT: 'an argument has the wrong type or value',
  LIMIT_EXCEEDED: 'a name, params object or content exceeds a documented limit',
  TRANSFORM_NOT_FOUND: 'no transform has that name',
  RUN_NOT_FOUND: 'no run has that id',
  FILE_NOT_FOUND: 'no file has that name or id, or its path does not exist',
  RECORD_NOT_SAVED: 'the record has not been added to this ledger',
  NO_RUN_CONTEXT: 'an operation needs a run, and none is tracked',
  NO_ENTRY_SCRIPT: 'track() could not find the entry script to register',
  CONTENT_MISSING: 'the file is known by its metadata but its content is not stored',
  INTEGRITY_MISMATCH: 'stored content does not match its recorded hash',
  QUERY_NOT_ONE: 'one() found zero or several records',
  QUERY_INVALID: 'the query joins models that have no relation, or uses an unknown field',
  WRITE_FAILED: 'the storage engine refused a write; nothing was recorded',
  OUT_OF_RANGE: 'a seq beyond the log, or a time before its first event',
  IMPORT_INVALID: 'an import held invalid events and was rejected as a whole (strict); nothing was recorded',
  RUN_JOB_CONFLICT: 'an OpenLineage event names a runId that belongs to another job; it was refused, never merged',
  FORWARD_FAILED: 'lineage could not be forwarded yet; it stays in the log and is retried',
  CONNECTION_FAILED: 'the ledger server (`connect()`) could not be reached, broke the connection, or failed; a write it did not acknowledge may or may not be recorded',
  UNAUTHORIZED: 'the ledger server refused the request: its token is missing or wrong',
  NOT_SUPPORTED: 'the option or store is not available in this build (the message says which, and what to use instead)',
  LEDGER_IS_REMOTE: 'open() without a path where $LINEAGE_URL (and no $LINEAGE_DB) is set, as under `lineage exec --url`: use connect(process.env.LINEAGE_URL)',
  CONTENT_ERASED: 'the file\'s content was erased for good (delete({ permanent: true })); its record, hash and lineage remain, and the message says when and by whom',
  NOT_IN_TRASH: 'a permanent delete (erase) needs the record in the trash first: delete() it, then delete({ permanent: true })',
  KEY_CONFLICT: 'another file\'s latest version already has that key (keys are unique among latest versions); revise that file, or pick another key',
  NOT_LATEST_VERSION: 'a new version must revise the latest version of its family; the message names it',
  STORE_UNAVAILABLE: 'the database holding the ledger (PostgreSQL) could not be reached, or refused the login, after retries; an append it reports as outcome-unknown may or may not be recorded (`sync()` then shows which)',
} as const;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class of lineage-ledger: `code` is stable, the message says what to do. */
export class LineageError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineageError';
    this.code = code;
  }
}

/** True when `e` is a LineageError, optionally with the given code. */
export function isLineageError(e: unknown, code?: ErrorCode): e is LineageError {
  return e instanceof LineageError && (code === undefined || e.code === code);
}
