import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { suffixOf } from '../lib/model/records.js';
import type { Plan } from './pipeline-plan.js';
import { SqliteBaseline } from './sqlite.js';

/** How the SQLite program groups its writes into transactions. */
export type SqliteMode = 'autocommit' | 'per-run' | 'rows-1000';

/**
 * The program a user would write instead of the ledger for the same pipeline: SQLite
 * (better-sqlite3, WAL, synchronous = NORMAL, the indexed tables of bench/sqlite.ts). Per run: insert
 * the run, look each input up by name and insert the link, hash and insert each output, mark the
 * run finished. It stores the facts only, not the contents (the ledger stores both): a floor.
 */
export function sqlitePipeline(path: string, plan: Plan, mode: SqliteMode): SqliteBaseline {
  const base = new SqliteBaseline(path);
  const db = base.db;
  const p = (sql: string) => db.prepare(sql);
  const insertTransform = p('INSERT INTO transforms VALUES (?, ?, ?, ?, NULL, NULL, NULL, ?)');
  const insertRun = p("INSERT INTO runs VALUES (?, ?, ?, ?, NULL, ?, NULL, 'started', NULL)");
  const fileByName = p('SELECT id FROM files WHERE name = ? ORDER BY rowid DESC LIMIT 1').pluck();
  const insertInput = p('INSERT OR IGNORE INTO run_inputs VALUES (?, ?)');
  const insertFile = p('INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const finishRun = p("UPDATE runs SET status = 'completed', finished_at = ? WHERE id = ?");
  let rows = 0;
  let open = false;
  // Transactions of 1,000 written rows, across runs; the other modes let better-sqlite3 decide.
  const wrote = () => {
    if (mode !== 'rows-1000') return;
    if (++rows % 1000 === 0 && open) {
      db.exec('COMMIT');
      db.exec('BEGIN');
    }
  };
  const id = () => randomBytes(12).toString('base64url');
  if (mode === 'rows-1000') {
    db.exec('BEGIN');
    open = true;
  }
  const transformIds = plan.transforms.map((t) => {
    const tid = id();
    insertTransform.run(tid, t.name, t.version, t.type, new Date().toISOString());
    wrote();
    return tid;
  });
  const runOne = (r: Plan['runs'][number]) => {
    const rid = id();
    insertRun.run(rid, transformIds[r.transform], r.name, JSON.stringify(r.params), new Date().toISOString());
    wrote();
    for (const name of r.inputs) {
      insertInput.run(rid, fileByName.get(name));
      wrote();
    }
    for (const o of r.outputs) {
      const hash = createHash('sha256').update(o.content).digest('hex');
      insertFile.run(id(), o.name, suffixOf(o.name), o.content.length, hash, `inline/${hash}`, rid, new Date().toISOString());
      wrote();
    }
    finishRun.run(new Date().toISOString(), rid);
    wrote();
  };
  const step = mode === 'per-run' ? db.transaction(runOne) : runOne;
  for (const r of plan.runs) step(r);
  if (open) db.exec('COMMIT');
  return base;
}

/** The SQLite statements for the query shapes of the pipeline benchmark. */
export class SqliteQueries {
  readonly #q: Record<'producer' | 'fileByName' | 'runInputsOfFile' | 'consumers' | 'transformOfFile' | 'downstream', Database.Statement>;

  readonly #base: SqliteBaseline;

  constructor(base: SqliteBaseline) {
    this.#base = base;
    const p = (sql: string) => base.db.prepare(sql);
    this.#q = {
      producer: p('SELECT r.* FROM files f JOIN runs r ON r.id = f.run_id WHERE f.name = ?'),
      fileByName: p('SELECT * FROM files WHERE name = ?'),
      runInputsOfFile: p('SELECT f2.* FROM files f JOIN run_inputs i ON i.run_id = f.run_id JOIN files f2 ON f2.id = i.file_id WHERE f.id = ?'),
      consumers: p('SELECT r.* FROM run_inputs i JOIN runs r ON r.id = i.run_id WHERE i.file_id = ?'),
      transformOfFile: p('SELECT t.* FROM transforms t JOIN runs r ON r.transform_id = t.id JOIN files f ON f.run_id = r.id WHERE f.name = ? LIMIT 1'),
      downstream: p(`WITH RECURSIVE down(kind, id, depth) AS (
          SELECT 'file', ?, 0
          UNION
          SELECT 'run', i.run_id, down.depth + 1 FROM down JOIN run_inputs i ON down.kind = 'file' AND i.file_id = down.id
          UNION
          SELECT 'file', f.id, down.depth + 1 FROM down JOIN files f ON down.kind = 'run' AND f.run_id = down.id
        ) SELECT kind, id, min(depth) AS depth FROM down GROUP BY kind, id`),
    };
  }

  /** The run that produced the file of that name. */
  producer(name: string): unknown {
    return this.#q.producer.get(name);
  }
  /** A file's id by name (what a caller holds before asking about its relations). */
  fileId(name: string): string {
    return (this.#q.fileByName.get(name) as { id: string }).id;
  }
  /** The inputs of the run that produced a file. */
  runInputsOf(fileId: string): unknown[] {
    return this.#q.runInputsOfFile.all(fileId);
  }
  /** The runs that read a file. */
  consumers(fileId: string): unknown[] {
    return this.#q.consumers.all(fileId);
  }
  /** The transform of the run that produced the file of that name. */
  transformOf(name: string): unknown {
    return this.#q.transformOfFile.get(name);
  }
  /** Every file and run upstream / downstream of a file. */
  upstream(fileId: string): unknown[] {
    return this.#base.upstream(fileId);
  }
  downstream(fileId: string): unknown[] {
    return this.#q.downstream.all(fileId);
  }
}
