import Database from 'better-sqlite3';
import type { EventInput } from '../lib/events/types.js';
import type { LifecycleEventData } from '../lib/events/lifecycle.js';

type LifecycleType = keyof LifecycleEventData;

type Db = Database.Database;
type Stmt = Database.Statement;

const SCHEMA = `
CREATE TABLE transforms (id TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, reference TEXT, hash TEXT, revises TEXT, created_at TEXT NOT NULL);
CREATE INDEX transforms_name ON transforms(name);
CREATE TABLE runs (id TEXT PRIMARY KEY, transform_id TEXT NOT NULL, name TEXT, params TEXT, parent_run_id TEXT, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, error TEXT);
CREATE INDEX runs_transform ON runs(transform_id);
CREATE TABLE files (id TEXT PRIMARY KEY, name TEXT NOT NULL, suffix TEXT NOT NULL, size INTEGER, hash TEXT, key TEXT, run_id TEXT, created_at TEXT NOT NULL);
CREATE INDEX files_name ON files(name);
CREATE INDEX files_run ON files(run_id);
CREATE INDEX files_hash ON files(hash);
CREATE TABLE run_inputs (run_id TEXT NOT NULL, file_id TEXT NOT NULL, PRIMARY KEY (run_id, file_id)) WITHOUT ROWID;
CREATE INDEX run_inputs_file ON run_inputs(file_id, run_id);
`;

/**
 * What a user would pick instead of the ledger: SQLite (better-sqlite3) in WAL mode with
 * synchronous = NORMAL, one indexed table per model and one for run inputs.
 */
export class SqliteBaseline {
  readonly db: Db;
  // The workload holds lineage facts only; interop bookkeeping events have no SQLite counterpart.
  readonly #insert: Record<Exclude<EventInput['type'], 'openlineage.linked' | 'openlineage.imported' | 'openlineage.event' | 'file.aliased' | LifecycleType | 'label.added' | 'label.removed' | 'transform.source_stored' | 'run.referenced' | 'run.amended' | 'request.keyed'>, Stmt>;
  readonly #q: Record<'producer' | 'transformOf' | 'consumers' | 'upstream' | 'join', Stmt>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'runs'").get()) this.db.exec(SCHEMA);
    const p = (sql: string) => this.db.prepare(sql);
    this.#insert = {
      'transform.registered': p('INSERT INTO transforms VALUES (@id, @name, @version, @type, @reference, @hash, @revises, @at)'),
      'run.started': p('INSERT INTO runs VALUES (@id, @transformId, @name, @params, @parentRunId, @startedAt, NULL, \'started\', NULL)'),
      'run.finished': p('UPDATE runs SET status = @status, finished_at = @finishedAt, error = @error WHERE id = @runId'),
      'file.created': p('INSERT INTO files VALUES (@id, @name, @suffix, @size, @hash, @key, @runId, @at)'),
      'file.recreated': p('UPDATE files SET run_id = run_id WHERE id = @fileId'),
      'file.loaded_as_input': p('INSERT OR IGNORE INTO run_inputs VALUES (@runId, @fileId)'),
    };
    this.#q = {
      producer: p('SELECT r.* FROM files f JOIN runs r ON r.id = f.run_id WHERE f.name = ?'),
      transformOf: p('SELECT t.* FROM runs r JOIN transforms t ON t.id = r.transform_id WHERE r.id = ?'),
      consumers: p('SELECT r.* FROM run_inputs i JOIN runs r ON r.id = i.run_id WHERE i.file_id = ?'),
      // Upstream lineage of a file: file → its producing run → that run's inputs → …, as (kind, id, depth).
      upstream: p(`WITH RECURSIVE up(kind, id, depth) AS (
          SELECT 'file', ?, 0
          UNION
          SELECT 'run', f.run_id, up.depth + 1 FROM up JOIN files f ON up.kind = 'file' AND f.id = up.id WHERE f.run_id IS NOT NULL
          UNION
          SELECT 'file', i.file_id, up.depth + 1 FROM up JOIN run_inputs i ON up.kind = 'run' AND i.run_id = up.id
        ) SELECT kind, id, min(depth) AS depth FROM up GROUP BY kind, id`),
      join: p('SELECT DISTINCT t.* FROM transforms t JOIN runs r ON r.transform_id = t.id JOIN files f ON f.run_id = r.id WHERE f.name = ?'),
    };
  }

  /** Inserts the facts of `events` in transactions of `batch`. */
  ingest(events: readonly EventInput[], batch = 1000): void {
    const at = new Date().toISOString();
    const tx = this.db.transaction((slice: readonly EventInput[]) => {
      for (const e of slice) {
        const insert = (this.#insert as Partial<Record<string, Stmt>>)[e.type];
        if (!insert) throw new Error(`the SQLite baseline has no table for ${e.type}`);
        insert.run(row(e, at));
      }
    });
    for (let i = 0; i < events.length; i += batch) tx(events.slice(i, i + batch));
  }

  /** q1: the run that produced the file of that name. */
  producerOf(name: string): unknown {
    return this.#q.producer.get(name);
  }
  /** q2: the transform of a run. */
  transformOf(runId: string): unknown {
    return this.#q.transformOf.get(runId);
  }
  /** q3: the runs that read a file. */
  consumersOf(fileId: string): unknown[] {
    return this.#q.consumers.all(fileId);
  }
  /** q4: every file and run upstream of a file. */
  upstream(fileId: string): unknown[] {
    return this.#q.upstream.all(fileId);
  }
  /** The transforms whose runs produced a file of that name. */
  transformsOfFileNamed(name: string): unknown[] {
    return this.#q.join.all(name);
  }

  close(): void {
    this.db.close();
  }
}

function row(e: EventInput, at: string): Record<string, unknown> {
  const d = e.data as unknown as Record<string, unknown>;
  switch (e.type) {
    case 'transform.registered':
      return { reference: null, hash: null, revises: null, ...d, at };
    case 'run.started':
      return { name: null, parentRunId: null, ...d, params: d.params === undefined ? null : JSON.stringify(d.params) };
    case 'run.finished':
      return { error: null, ...d };
    case 'file.created':
      return { size: null, hash: null, key: null, runId: null, ...d, at };
    default:
      return d;
  }
}
