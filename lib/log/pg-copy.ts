import type pg from 'pg';

// A large bytea read as a query result comes as hex text: node-postgres decodes it to a string (twice
// the size of the bytes), then parses the hex back to bytes. `COPY … TO STDOUT (FORMAT binary)`
// sends the same rows as raw bytes, and node-postgres hands their CopyData messages over untouched.
// (Its binary result mode does not help: it still decodes each field as UTF-8 text.)

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// Above this many bytes received and not yet taken, the socket is paused.
const HIGH_WATER = 32 * 1024 * 1024;

/** One row of a binary COPY: each field's bytes, or null for SQL NULL. */
export type CopyRow = (Buffer | null)[];

interface Connection {
  query(text: string): void;
  stream: { pause(): void; resume(): void };
}

/**
 * The rows of `COPY (select) TO STDOUT (FORMAT binary)` on `client`, as they arrive. The select is
 * sent as it is (COPY takes no parameters): every value in it must be a literal the caller made safe.
 */
export async function* copyRows(client: pg.ClientBase, select: string): AsyncGenerator<CopyRow[]> {
  const reader = new CopyReader(`COPY (${select}) TO STDOUT (FORMAT binary)`);
  client.query(reader as unknown as pg.Submittable);
  try {
    for (;;) {
      const rows = await reader.next();
      if (rows === undefined) return;
      yield rows;
    }
  } finally {
    // A caller that stopped early: the rest is read and dropped, so that the client is usable again.
    reader.drop();
  }
}

/** A node-postgres "submittable": sends the COPY, parses what comes back, and queues the rows for `next`. */
class CopyReader {
  readonly #text: string;
  #connection: Connection | undefined;
  #rows: CopyRow[] = [];
  #queued = 0;
  #paused = false;
  // Bytes of a row that has not fully arrived (a CopyData message usually holds exactly one row).
  #rest: Buffer = Buffer.alloc(0);
  #headerRead = false;
  #trailerRead = false;
  // Nothing more is kept: the COPY failed to parse, or its rows are no longer wanted.
  #dropping = false;
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** The rows received since the last call; undefined once the COPY has ended. Throws what the COPY threw. */
  async next(): Promise<CopyRow[] | undefined> {
    while (this.#rows.length === 0 && !this.#done) await new Promise<void>((r) => (this.#wake = r));
    if (this.#done && this.#error !== undefined) throw this.#error;
    if (this.#rows.length === 0) return undefined;
    const rows = this.#rows;
    this.#rows = [];
    this.#queued = 0;
    if (this.#paused) {
      this.#paused = false;
      this.#connection?.stream.resume();
    }
    return rows;
  }

  /** Keeps no more rows (the socket is not paused again). */
  drop(): void {
    this.#dropping = true;
    this.#rows = [];
    if (this.#paused) {
      this.#paused = false;
      this.#connection?.stream.resume();
    }
  }

  submit(connection: Connection): void {
    this.#connection = connection;
    connection.query(this.#text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.#done || this.#dropping) return;
    // The chunk is a view of the client's read buffer, which it reuses: take what it holds now.
    const bytes = this.#rest.length ? Buffer.concat([this.#rest, msg.chunk]) : msg.chunk;
    let at = 0;
    try {
      if (!this.#headerRead) {
        if (bytes.length < 19) return void (this.#rest = Buffer.from(bytes));
        if (!bytes.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY did not answer in binary format');
        at = 19 + bytes.readInt32BE(15);
        this.#headerRead = true;
      }
      while (at + 2 <= bytes.length && !this.#trailerRead) {
        const fields = bytes.readInt16BE(at);
        if (fields === -1) {
          this.#trailerRead = true;
          at += 2;
          break;
        }
        const row: CopyRow = new Array(fields);
        let p = at + 2;
        let whole = true;
        for (let f = 0; f < fields; f++) {
          if (p + 4 > bytes.length) {
            whole = false;
            break;
          }
          const n = bytes.readInt32BE(p);
          p += 4;
          if (n === -1) {
            row[f] = null;
            continue;
          }
          if (p + n > bytes.length) {
            whole = false;
            break;
          }
          row[f] = Buffer.from(bytes.subarray(p, p + n));
          p += n;
        }
        if (!whole) break;
        this.#rows.push(row);
        this.#queued += p - at;
        at = p;
      }
    } catch (err) {
      // Reported when the server has finished answering, so that the client is free by then.
      this.#error ??= err;
      this.drop();
      return;
    }
    this.#rest = at < bytes.length ? Buffer.from(bytes.subarray(at)) : Buffer.alloc(0);
    if (this.#queued > HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#connection?.stream.pause();
    }
    this.#wake?.();
  }

  handleCommandComplete(): void {
    if (!this.#trailerRead || this.#rest.length) this.#error ??= new Error('COPY ended in the middle of a row');
  }

  handleReadyForQuery(): void {
    this.#finish(this.#error);
  }

  handleError(err: unknown): void {
    this.#finish(err);
  }

  // Neither comes for a COPY TO; a submittable must still answer them.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('not a COPY FROM');
  }

  #finish(err: unknown): void {
    if (this.#done) return;
    this.#done = true;
    if (err !== undefined) this.#error = err;
    if (this.#paused) {
      this.#paused = false;
      this.#connection?.stream.resume();
    }
    this.#wake?.();
  }
}
