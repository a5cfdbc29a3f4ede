import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { verifyChain } from '../audit/verify.js';
import { LineageError } from '../errors.js';
import { sha256Hex } from '../log/envelope.js';
import { decodeHeader } from '../state/checkpoint.js';
import { EventLog, type Head, type InlineBlob } from '../log/event-log.js';
import { PgLog } from '../log/pg-log.js';
import { isPgUrl, parsePgUrl } from '../log/pg-url.js';
import type { LedgerLog } from '../log/store.js';

/** What `copyLedger` did. */
export interface CopyResult {
  /** The source's head, and the destination's after the copy (equal). */
  from: Head;
  to: Head;
  /** Events the destination already held (a resumed copy), and events copied now. */
  resumedAt: number;
  copied: number;
  /** Contents copied now, and contents the events name that the source no longer holds (erased, or never stored). */
  contents: number;
  missingContents: number;
}

/** Options of `copyLedger`. */
export interface CopyOptions {
  /** Called after each copied batch with the events the destination holds and the source's head seq. */
  onProgress?: (done: number, total: number) => void;
  /** Events per transaction (default 1000). */
  batch?: number;
}

// A content key as events record it: `inline/HASH` (beside the log) or `objects/HASH` (a file in a folder).
const CONTENT_KEY = /^(inline|objects)\/([0-9a-f]{64})$/;

/** One end of a copy: its log, and its folder (undefined on PostgreSQL, where every content is in lineage_blobs). */
interface End {
  log: LedgerLog;
  dir: string | undefined;
}

/**
 * Copies a ledger's events, byte for byte, and the contents they name, from one store to another (a
 * folder or a PostgreSQL URL, either way). The destination must be empty or hold a prefix of the
 * source (an interrupted copy): it continues from its head. Each batch's contents are written before
 * (objects files) or with (inline, lineage_blobs) its events, so a crash never leaves an event whose
 * content was not copied. Ends by verifying the destination's chain up to the source's head.
 */
export async function copyLedger(from: string, to: string, options: CopyOptions = {}): Promise<CopyResult> {
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') throw new LineageError('INVALID_ARGUMENT', 'a copy takes --from and --to: a ledger folder or a postgres:// URL each');
  if (same(from, to)) throw new LineageError('INVALID_ARGUMENT', `--from and --to are the same ledger (${display(from)}); copy to another folder, or another ?ledger= on PostgreSQL`);
  if (!isPgUrl(from) && !existsSync(join(from, 'log'))) throw new LineageError('LEDGER_NOT_FOUND', `no ledger at ${from} to copy from; pass a ledger folder or a postgres:// URL`);
  const src = await openEnd(from);
  let dst: End;
  try {
    dst = await openEnd(to);
  } catch (err) {
    await src.log.close().catch(() => {});
    throw err;
  }
  try {
    return await copy(src, dst, options);
  } finally {
    await dst.log.close().catch(() => {});
    await src.log.close().catch(() => {});
  }
}

async function copy(src: End, dst: End, options: CopyOptions): Promise<CopyResult> {
  const batch = options.batch ?? 1000;
  // A source on PostgreSQL may be written to while it is copied: the copy takes the head seen at the start.
  const source = src.log.head;
  const start = dst.log.head;
  if (start.seq > 0) {
    const theirs = start.seq <= source.seq ? await src.log.getBytes(start.seq) : undefined;
    if (!theirs || sha256Hex(theirs) !== start.hash) {
      throw new LineageError('INVALID_ARGUMENT', `${dst.log.ledger} already holds ${start.seq} events that are not ${start.seq <= source.seq ? 'the first events' : 'a prefix'} of ${src.log.ledger}: a copy goes into an empty ledger (or continues one it left off); nothing was written`);
    }
  }
  // Contents an erase removed stay removed, even where the source still holds their bytes (an interrupted erase).
  const done = await erasedContents(src.log, source.seq);
  const skipped = done.size;
  let copied = 0;
  let contents = 0;
  let missing = 0;
  options.onProgress?.(start.seq, source.seq);
  for await (const events of src.log.read(start.seq + 1, source.seq, batch, start.hash)) {
    const blobs: InlineBlob[] = [];
    for (const { event } of events) {
      for (const key of contentKeys(event.data)) {
        if (done.has(key)) continue;
        done.add(key);
        const [, where, hash] = CONTENT_KEY.exec(key)!;
        const bytes = await readContent(src, where as 'inline' | 'objects', hash!);
        if (!bytes) {
          missing++;
          continue;
        }
        if (sha256Hex(bytes) !== hash) throw new LineageError('INTEGRITY_MISMATCH', `${src.log.ledger}: the stored content ${key} does not match its hash: it was changed behind the ledger's back; nothing more was copied`);
        contents++;
        // Files first: an event is written only once the content it names is in place.
        if (where === 'objects' && dst.dir) await writeObject(dst.dir, hash!, bytes);
        else blobs.push({ key: hash!, value: bytes });
      }
    }
    await dst.log.appendRaw(events.map((e) => e.bytes), blobs);
    copied += events.length;
    options.onProgress?.(start.seq + copied, source.seq);
  }
  const to = dst.log.head;
  const check = await verifyChain(dst.log.readRaw());
  if (!check.ok) throw new LineageError('LEDGER_CORRUPT', `${dst.log.ledger}: the copy does not verify: event ${check.firstBad!.seq}: ${check.firstBad!.reason}`);
  if (to.seq !== source.seq || to.hash !== source.hash || check.head.seq !== to.seq) {
    throw new LineageError('LEDGER_CORRUPT', `${dst.log.ledger}: the copy ends at seq ${to.seq} (${to.hash}), not at the source's head seq ${source.seq} (${source.hash})`);
  }
  await copyCheckpoint(src.log, dst.log, to.seq);
  return { from: source, to, resumedAt: start.seq, copied, contents, missingContents: missing + skipped };
}

/**
 * The source's newest checkpoint, when it is at or before the copied head and newer than the
 * destination's: the destination's next open loads it and replays only the tail. A checkpoint is a
 * projection of the events alone, checked at load against the event at its seq, so it travels as
 * it is, piece by piece (one piece in memory at a time).
 */
async function copyCheckpoint(src: LedgerLog, dst: LedgerLog, head: number): Promise<void> {
  const text = await src.checkpointHeader();
  if (text === undefined) return;
  const header = decodeHeader(text);
  if (header.seq > head) return;
  const theirs = await dst.checkpointHeader();
  if (theirs !== undefined && decodeHeader(theirs).seq >= header.seq) return;
  let written = 0;
  for await (const piece of src.checkpointPieces(header.seq, header.pieces)) await dst.putCheckpointPieces(header.seq, written++, [piece]);
  if (written === header.pieces) await dst.commitCheckpoint(header.seq, text, written);
}

/** The content keys whose every file an event erased (`file.erased`), up to seq `to`. */
async function erasedContents(log: LedgerLog, to: number): Promise<Set<string>> {
  const filesOf = new Map<string, Set<string>>();
  const erased = new Set<string>();
  const visit = (data: unknown): void => {
    if (Array.isArray(data)) return data.forEach(visit);
    if (data === null || typeof data !== 'object') return;
    const { id, key } = data as { id?: unknown; key?: unknown };
    if (typeof id === 'string' && typeof key === 'string' && CONTENT_KEY.test(key)) {
      let ids = filesOf.get(key);
      if (!ids) filesOf.set(key, (ids = new Set()));
      ids.add(id);
    }
    for (const v of Object.values(data)) if (v !== null && typeof v === 'object') visit(v);
  };
  for await (const events of log.read(1, to)) {
    for (const { event } of events) {
      if (event.type === 'file.erased') erased.add((event.data as { fileId: string }).fileId);
      else visit(event.data);
    }
  }
  const out = new Set<string>();
  if (erased.size === 0) return out;
  for (const [key, ids] of filesOf) if ([...ids].every((id) => erased.has(id))) out.add(key);
  return out;
}

async function openEnd(where: string): Promise<End> {
  if (isPgUrl(where)) return { log: await PgLog.open(parsePgUrl(where)), dir: undefined };
  const dir = resolve(where);
  // 'sync': a copy is acknowledged by its exit, so every batch is on disk before the next one is read.
  return { log: await EventLog.open({ path: dir }, 'sync'), dir };
}

/** Every content key in an event's data (file, transform source, …), wherever the event type keeps it. */
function contentKeys(data: unknown, out: string[] = []): string[] {
  if (typeof data === 'string') {
    if (CONTENT_KEY.test(data)) out.push(data);
  } else if (Array.isArray(data)) {
    for (const v of data) contentKeys(v, out);
  } else if (data !== null && typeof data === 'object') {
    for (const v of Object.values(data)) contentKeys(v, out);
  }
  return out;
}

/** A content's bytes from the source, or undefined when it holds none (erased, or lineage only). */
async function readContent(src: End, where: 'inline' | 'objects', hash: string): Promise<Uint8Array | undefined> {
  if (where === 'inline' || !src.dir) return src.log.getBlob(hash);
  try {
    return await readFile(join(src.dir, 'objects', hash.slice(0, 2), hash));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes an object file as the object store does: a temporary file, synced, renamed into place. */
async function writeObject(dir: string, hash: string, bytes: Uint8Array): Promise<void> {
  const tmpDir = join(dir, 'tmp');
  const objDir = join(dir, 'objects', hash.slice(0, 2));
  await mkdir(tmpDir, { recursive: true });
  await mkdir(objDir, { recursive: true });
  const tmp = join(tmpDir, randomBytes(12).toString('hex'));
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(objDir, hash));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const d = await open(objDir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

function same(a: string, b: string): boolean {
  if (isPgUrl(a) !== isPgUrl(b)) return false;
  if (!isPgUrl(a)) return resolve(a) === resolve(b);
  const x = parsePgUrl(a);
  const y = parsePgUrl(b);
  return x.display === y.display;
}

function display(where: string): string {
  return isPgUrl(where) ? parsePgUrl(where).display : where;
}
