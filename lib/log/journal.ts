import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { closeSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seqKey } from './keys.js';

/**
 * The journal of the 'journal' durability mode: an append-only file that an append is written to
 * synchronously, on the main thread, before it is acknowledged; LevelDB gets the same events behind,
 * in groups, and the next open replays whatever of the journal LevelDB does not hold yet.
 *
 * A file is a sequence of frames, one per group commit:
 *   magic "LLJ1" (4 bytes) | payload length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
 * and the payload is: event count (u32), each event's stored bytes (u32 length + bytes), blob count
 * (u32), each blob (u16 key length + UTF-8 key, u32 length + bytes). A frame is written by one
 * write() call: a process killed during it leaves at most a short frame at the end (a torn tail).
 */

/** The folder of the journal, inside the ledger folder. */
export const JOURNAL_DIR = 'journal';
const MAGIC = 0x314a4c4c; // "LLJ1" read as a little-endian u32
const HEADER = 12;
/** A journal file is closed and a new one begun past this size; a closed file goes once LevelDB holds (and has fsynced) its events. */
export const JOURNAL_FILE_BYTES = 8 << 20;
const SUFFIX = '.jnl';
// The journal's frame buffer; a larger frame (a big batch, large inline contents) gets its own.
const SCRATCH_BYTES = 256 << 10;

/** One frame read back: its events' stored bytes and its blobs, and where it lies. */
export interface JournalFrame {
  file: string;
  offset: number;
  events: Uint8Array[];
  blobs: { key: string; value: Uint8Array }[];
}

/** A group commit to journal: one frame, ending at `seq`. */
export interface JournalGroup {
  events: readonly Uint8Array[];
  blobs: readonly { key: string; value: Uint8Array }[];
  seq: number;
}

/** What reading a journal found: its intact frames in order, and how it ends. */
export interface JournalRead {
  frames: JournalFrame[];
  /** A frame cut short at the very end of the last file (a write a crash interrupted): never acknowledged, safe to drop. */
  torn?: { file: string; offset: number };
  /** A whole frame whose bytes do not match its checksum, or bytes that are not a frame: the journal was changed or damaged. */
  damaged?: { file: string; offset: number; reason: string };
}

/** The journal files of a ledger folder, oldest first (each is named by the seq of its first event). */
export function journalFiles(ledger: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(ledger, JOURNAL_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(SUFFIX)).sort().map((n) => join(ledger, JOURNAL_DIR, n));
}

/** Reads every frame of a ledger's journal, stopping at a torn tail or at the first damaged frame. */
export function readJournal(ledger: string): JournalRead {
  const files = journalFiles(ledger);
  const out: JournalRead = { frames: [] };
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    const buf = readFileSync(file);
    const last = f === files.length - 1;
    let at = 0;
    while (at < buf.length) {
      const rest = buf.length - at;
      // A crash of the machine can leave zeros past the last write: the same as a torn tail.
      if (last && isZero(buf, at)) {
        out.torn = { file, offset: at };
        return out;
      }
      if (rest < HEADER) {
        if (last) out.torn = { file, offset: at };
        else out.damaged = { file, offset: at, reason: 'a frame is cut short before the end of the journal' };
        return out;
      }
      if (buf.readUInt32LE(at) !== MAGIC) {
        out.damaged = { file, offset: at, reason: 'the bytes there are not a journal frame' };
        return out;
      }
      if (at + HEADER + buf.readUInt32LE(at + 4) > buf.length) {
        if (last) out.torn = { file, offset: at };
        else out.damaged = { file, offset: at, reason: 'a frame is cut short before the end of the journal' };
        return out;
      }
      const length = buf.readUInt32LE(at + 4);
      const payload = buf.subarray(at + HEADER, at + HEADER + length);
      if (checksum(payload) !== buf.readUInt32LE(at + 8)) {
        out.damaged = { file, offset: at, reason: 'the frame does not match its checksum' };
        return out;
      }
      const frame = parsePayload(payload, file, at);
      if (!frame) {
        out.damaged = { file, offset: at, reason: 'the frame does not parse' };
        return out;
      }
      out.frames.push(frame);
      at += HEADER + length;
    }
  }
  return out;
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

function parsePayload(p: Buffer, file: string, offset: number): JournalFrame | undefined {
  try {
    let at = 0;
    const events: Uint8Array[] = [];
    const blobs: { key: string; value: Uint8Array }[] = [];
    const n = p.readUInt32LE(at);
    at += 4;
    for (let i = 0; i < n; i++) {
      const len = p.readUInt32LE(at);
      at += 4;
      if (at + len > p.length) return undefined;
      events.push(p.subarray(at, at + len));
      at += len;
    }
    const b = p.readUInt32LE(at);
    at += 4;
    for (let i = 0; i < b; i++) {
      const klen = p.readUInt16LE(at);
      at += 2;
      const key = p.toString('utf8', at, at + klen);
      at += klen;
      const len = p.readUInt32LE(at);
      at += 4;
      if (at + len > p.length) return undefined;
      blobs.push({ key, value: p.subarray(at, at + len) });
      at += len;
    }
    return at === p.length ? { file, offset, events, blobs } : undefined;
  } catch {
    return undefined;
  }
}

/** The payload length of a frame of these events and blobs. */
function payloadLength(events: readonly Uint8Array[], blobs: readonly { key: string; value: Uint8Array }[]): number {
  let length = 8;
  for (const e of events) length += 4 + e.length;
  for (const b of blobs) length += 2 + Buffer.byteLength(b.key) + 4 + b.value.length;
  return length;
}

/** Encodes frames one after another, into `scratch` when it is large enough (they are written at once and never kept). */
function framesOf(frames: readonly JournalGroup[], scratch: Buffer): Buffer {
  const lengths = frames.map((f) => payloadLength(f.events, f.blobs));
  let total = 0;
  for (const length of lengths) total += HEADER + length;
  const buf = scratch.length >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) at = encodeFrame(buf, at, frames[i]!, lengths[i]!);
  return buf;
}

/** Encodes one frame (its payload `length` bytes) into `buf` at `start`; returns where it ends. */
function encodeFrame(buf: Buffer, start: number, { events, blobs }: JournalGroup, length: number): number {
  buf.writeUInt32LE(MAGIC, start);
  buf.writeUInt32LE(length, start + 4);
  let at = start + HEADER;
  at = buf.writeUInt32LE(events.length, at);
  for (const e of events) {
    at = buf.writeUInt32LE(e.length, at);
    buf.set(e, at);
    at += e.length;
  }
  at = buf.writeUInt32LE(blobs.length, at);
  for (const b of blobs) {
    const klen = buf.write(b.key, at + 2, 'utf8');
    buf.writeUInt16LE(klen, at);
    at += 2 + klen;
    at = buf.writeUInt32LE(b.value.length, at);
    buf.set(b.value, at);
    at += b.value.length;
  }
  buf.writeUInt32LE(checksum(buf.subarray(start + HEADER, at)), start + 8);
  return at;
}

// zlib.crc32 (Node ≥ 20.15) is native and several times cheaper than a SHA-256 of the frame; the
// events inside are hash-chained anyway: the checksum only tells a torn or damaged frame.
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** The frame checksum: CRC-32, or on older Node the first 4 bytes of a SHA-256. */
function checksum(payload: Uint8Array): number {
  return crc32 ? crc32(payload) >>> 0 : createHash('sha256').update(payload).digest().readUInt32LE(0);
}

/** The writing end of a journal: appends frames synchronously, begins new files, drops the ones LevelDB holds. */
export class Journal {
  #dir: string;
  // -1 until the first frame: a ledger opened only to be read makes no journal.
  #fd = -1;
  #size = 0;
  #lastSeq = 0;
  // Where the last frame began, and the last seq before it: what undoLast() goes back to.
  #undo: { size: number; lastSeq: number } | undefined;
  // Closed files and the last seq each holds.
  #closedFiles: { path: string; lastSeq: number }[] = [];
  #current: string;
  #broken: Error | undefined;
  // Frames are encoded here: one buffer for the journal's life instead of one per group commit
  // (a frame past 4 kB is an ArrayBuffer of its own, outside Buffer's pool).
  #scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

  /** A journal in `<ledger>/journal` for events from `nextSeq` on; its first file is made by the first append. */
  constructor(ledger: string, nextSeq: number) {
    this.#dir = join(ledger, JOURNAL_DIR);
    this.#current = join(this.#dir, seqKey(nextSeq) + SUFFIX);
  }

  /** Set when a failed write could not be undone: nothing more may be appended. */
  get broken(): Error | undefined {
    return this.#broken;
  }

  /**
   * Writes one frame (a group commit ending at `lastSeq`) before returning, after the frames of
   * `before` (groups LevelDB holds but has not fsynced, which the journal skipped) in the same write();
   * on failure the file is cut back to where it was, so that no torn frame is followed by a later one.
   */
  append(events: readonly Uint8Array[], blobs: readonly { key: string; value: Uint8Array }[], lastSeq: number, before: readonly JournalGroup[] = []): void {
    if (this.#broken) throw this.#broken;
    if (this.#fd < 0) {
      mkdirSync(this.#dir, { recursive: true });
      this.#fd = openSync(this.#current, 'w');
    }
    // A full file is closed before the next frame, not after one: the last frame written stays in the current file (undoLast).
    if (this.#size >= JOURNAL_FILE_BYTES) this.#rotate();
    const last: JournalGroup = { events, blobs, seq: lastSeq };
    const frame = framesOf(before.length === 0 ? [last] : [...before, last], this.#scratch);
    let done = 0;
    try {
      while (done < frame.length) done += writeSync(this.#fd, frame, done, frame.length - done, this.#size + done);
    } catch (err) {
      try {
        ftruncateSync(this.#fd, this.#size);
      } catch (cut) {
        this.#broken = cut as Error;
      }
      throw err;
    }
    // undoLast() cuts the last frame only: the ones before it hold events LevelDB has acknowledged.
    const lastFrame = before.length === 0 ? frame.length : HEADER + payloadLength(events, blobs);
    this.#undo = { size: this.#size + frame.length - lastFrame, lastSeq: before.length === 0 ? this.#lastSeq : before[before.length - 1]!.seq };
    this.#size += frame.length;
    this.#lastSeq = lastSeq;
  }

  /**
   * Cuts the last frame off again: its events were refused (the LevelDB write that was to acknowledge
   * them failed) and must not come back at the next open. If the cut fails, nothing more is appended.
   */
  undoLast(): void {
    const undo = this.#undo;
    if (!undo) return;
    this.#undo = undefined;
    try {
      ftruncateSync(this.#fd, undo.size);
      this.#size = undo.size;
      this.#lastSeq = undo.lastSeq;
    } catch (err) {
      this.#broken = err as Error;
    }
  }

  // The full file is fsynced and closed (a few ms, once per JOURNAL_FILE_BYTES), and a new one begun.
  // Never throws: without a new file the current one grows, and the next append tries again.
  #rotate(): void {
    const next = join(this.#dir, seqKey(this.#lastSeq + 1) + SUFFIX);
    let fd: number;
    try {
      fd = openSync(next, 'w');
    } catch {
      // No new file now: the current one grows, and the next append tries again.
      return;
    }
    try {
      // So that a machine crash cannot keep a later file and lose this one's tail.
      fsyncSync(this.#fd);
    } catch {
      // The process-crash guarantee does not depend on it; the 200 ms window against a machine crash does.
    }
    try {
      closeSync(this.#fd);
    } catch {
      // A descriptor that will not close is only a leak.
    }
    this.#closedFiles.push({ path: this.#current, lastSeq: this.#lastSeq });
    this.#current = next;
    this.#fd = fd;
    this.#size = 0;
  }

  /** The highest last seq among closed files (0 when none): LevelDB must hold and fsync up to it before they go. */
  get retireUpTo(): number {
    return this.#closedFiles.length === 0 ? 0 : this.#closedFiles[this.#closedFiles.length - 1]!.lastSeq;
  }

  /** Removes the closed files whose events LevelDB holds and has fsynced (through `seq`). */
  retire(seq: number): void {
    while (this.#closedFiles.length > 0 && this.#closedFiles[0]!.lastSeq <= seq) {
      try {
        rmSync(this.#closedFiles.shift()!.path, { force: true });
      } catch {
        // A file left behind is harmless: the next open skips the events LevelDB holds, then removes it.
      }
    }
  }

  /** fdatasyncs the current file, off the main thread. */
  sync(): Promise<void> {
    const fd = this.#fd;
    if (fd < 0) return Promise.resolve();
    return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the file; with `remove` (LevelDB holds and has fsynced every event), deletes every journal file. */
  close(remove: boolean): void {
    try {
      if (this.#fd >= 0) closeSync(this.#fd);
    } catch {
      // Already closed by a failed rotation: nothing to release.
    }
    if (remove) removeJournal(this.#dir);
  }
}

/** Deletes a ledger's journal files, and its emptied folder (after LevelDB holds and has fsynced their events); never throws. */
export function removeJournal(dirOrLedger: string): void {
  const dir = dirOrLedger.endsWith(JOURNAL_DIR) ? dirOrLedger : join(dirOrLedger, JOURNAL_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.endsWith(SUFFIX)) continue;
    try {
      unlinkSync(join(dir, n));
    } catch {
      // A file left behind is harmless: its events are in LevelDB, and the next open skips them and tries again.
    }
  }
  try {
    // A cleanly closed ledger keeps the files it had before journals: a folder left (not empty) is harmless.
    rmdirSync(dir);
  } catch {
    // Not empty, or already gone.
  }
}
