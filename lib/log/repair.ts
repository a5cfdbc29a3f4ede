import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open as openFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Level } from 'level';
import { LineageError } from '../errors.js';
import { GENESIS_HASH } from './envelope.js';
import { validateEvent } from '../events/catalog.js';
import { CLOSED_HEAD, type Head, writeHead } from './event-log.js';
import { journalFiles, readJournal } from './journal.js';
import { keySeq, seqKey } from './keys.js';

/** What `repair()` did and what survived. */
export interface RepairReport {
  /** The ledger folder. */
  ledger: string;
  /** Events that survived: seqs 1 to `head.seq`, their chain intact. */
  events: number;
  head: Head;
  /** Events set aside because they were damaged, or came after a damaged or missing one. */
  dropped: number;
  /** Where the chain first broke, and why. */
  firstBad?: { seq: number; reason: string };
  /** The file that holds the stored bytes of the dropped events (one JSON line each). */
  savedTo?: string;
  /** True when the ledger's identity (meta) was unreadable and will be made anew on the next open. */
  identityLost: boolean;
  /**
   * The journal of a ledger killed in 'journal' mode: the events of its intact frames that continue
   * the repaired log are written to it (`applied`); the journal's files are then moved, whole, to `setAside`.
   */
  journal?: { applied: number; setAside: string; damaged?: string };
}

// abstract-level's generics do not survive sublevels well; kept internal as in the event log.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = any;

/**
 * Repairs a closed ledger whose LevelDB files are damaged: LevelDB's own repair (RepairDB) rebuilds its
 * tables from whatever it can read, then the hash chain is walked from seq 1. The intact prefix stays;
 * every event after the first break is set aside in `lost+found/` and removed from the log, so that the
 * ledger opens again with a chain that verifies. What is lost: events in damaged blocks, and any intact
 * event after them (kept in lost+found, but no longer part of the ledger).
 */
export async function repairLedger(path: string): Promise<RepairReport> {
  const location = join(path, 'log');
  if (!existsSync(location)) throw new LineageError('FILE_NOT_FOUND', `no ledger at ${path} (no log folder); check the path`);
  await refuseIfOpen(path, location);
  try {
    // RepairDB is LevelDB's own: classic-level's static, which level's Level (the class opened elsewhere) inherits.
    await ClassicLevel.repair(location);
  } catch (err) {
    throw new LineageError('LEDGER_CORRUPT', `ledger ${path}: LevelDB could not repair its files (${(err as Error)?.message ?? err}); restore a backup`, { cause: err });
  }
  const db: Db = new Level(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (err) {
    throw new LineageError('LEDGER_CORRUPT', `ledger ${path} cannot be opened even after LevelDB's repair (${(err as Error)?.message ?? err}); restore a backup`, { cause: err });
  }
  try {
    const log = db.sublevel('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
    const meta = db.sublevel('meta', { keyEncoding: 'utf8', valueEncoding: 'view' });
    const walked = await walk(log, await recordedHeads(meta, path));
    const { firstBad, rest } = walked;
    let head = walked.head;
    const ops: unknown[] = [];
    let journal: RepairReport['journal'];
    if (journalFiles(path).length > 0) {
      const blobs = db.sublevel('blobs', { keyEncoding: 'utf8', valueEncoding: 'view' });
      const replayed = journalTail(readJournal(path), rest.length === 0 ? head : undefined);
      for (const [seq, bytes] of replayed.events) ops.push({ type: 'put', sublevel: log, key: seqKey(seq), value: bytes });
      for (const blob of replayed.blobs) ops.push({ type: 'put', sublevel: blobs, key: blob.key, value: blob.value });
      head = replayed.head ?? head;
      journal = { applied: replayed.events.length, setAside: '', ...(replayed.damaged ? { damaged: replayed.damaged } : {}) };
    }
    const report: RepairReport = { ledger: path, events: head.seq, head, dropped: rest.length, identityLost: false };
    if (journal) report.journal = journal;
    if (firstBad) report.firstBad = firstBad;
    if (rest.length > 0) {
      report.savedTo = await saveAside(path, rest);
      for (const [key] of rest) ops.push({ type: 'del', sublevel: log, key });
    }
    ops.push({ type: 'put', sublevel: meta, key: 'head', value: Buffer.from(JSON.stringify(head)) });
    if (!isJson(await meta.get('info').catch(() => undefined))) {
      ops.push({ type: 'del', sublevel: meta, key: 'info' });
      report.identityLost = true;
    }
    await db.batch(ops, { sync: true });
    await writeHead(path, head, true);
    // Only once its events are written (and fsynced): the journal moves out of the way of the next open.
    if (report.journal) report.journal.setAside = await setJournalAside(path);
    return report;
  } finally {
    await db.close();
  }
}

/**
 * The journal's events that continue the repaired log at `head` (none when the log itself lost
 * events: the journal cannot continue a shortened chain), up to its first damaged frame or broken link.
 */
function journalTail(read: ReturnType<typeof readJournal>, head: Head | undefined): { events: [number, Uint8Array][]; blobs: { key: string; value: Uint8Array }[]; head?: Head; damaged?: string } {
  const out: ReturnType<typeof journalTail> = { events: [], blobs: [] };
  if (read.damaged) out.damaged = `${read.damaged.file} at byte ${read.damaged.offset}: ${read.damaged.reason}`;
  if (!head) return out;
  let at = head;
  for (const frame of read.frames) {
    const fresh: [number, Uint8Array][] = [];
    for (const bytes of frame.events) {
      let seq: number;
      try {
        seq = Number((JSON.parse(Buffer.from(bytes).toString('utf8')) as { seq?: unknown })?.seq);
      } catch {
        seq = Number.NaN;
      }
      if (seq <= at.seq) continue;
      if (check(seqKey(seq), bytes, at)) {
        out.damaged ??= `${frame.file} at byte ${frame.offset}: event ${seq} does not continue the log`;
        return out;
      }
      fresh.push([seq, bytes]);
      at = { seq, hash: createHash('sha256').update(bytes).digest('hex') };
    }
    if (fresh.length > 0) {
      out.events.push(...fresh);
      out.blobs.push(...frame.blobs);
      out.head = at;
    }
  }
  return out;
}

/** Moves the journal's files, whole, into lost+found (they may hold acknowledged events past a damaged frame). */
async function setJournalAside(path: string): Promise<string> {
  const dir = join(path, 'lost+found', `journal-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  await mkdir(dir, { recursive: true });
  for (const file of journalFiles(path)) await rename(file, join(dir, file.slice(file.lastIndexOf('/') + 1)));
  return dir;
}

async function refuseIfOpen(path: string, location: string): Promise<void> {
  // RepairDB takes no lock: opening first makes sure no process has the ledger open.
  const probe = new Level(location, { createIfMissing: false });
  try {
    await probe.open();
    await probe.close();
  } catch (err) {
    const code = (err as { cause?: { code?: string } })?.cause?.code;
    if (code === 'LEVEL_LOCKED') throw new LineageError('LEDGER_LOCKED', `ledger ${path} is open (in another process, or in this one); close it before repairing`, { cause: err });
  }
}

interface Walk {
  head: Head;
  firstBad?: { seq: number; reason: string };
  rest: [string, Uint8Array][];
}

/**
 * The longest prefix of the log whose chain holds. An event is trusted only when the next event's
 * `prev` (or, for the last one, a recorded head) vouches for its bytes: where a link breaks, the
 * damage may be in either of the two events, so both are set aside.
 */
async function walk(log: Db, recorded: Head[]): Promise<Walk> {
  let head: Head = { seq: 0, hash: GENESIS_HASH };
  let before: Head = head;
  let last: [string, Uint8Array] | undefined;
  let firstBad: Walk['firstBad'];
  const rest: [string, Uint8Array][] = [];
  const breakAt = (entry: [string, Uint8Array], reason: string, dropLast: boolean) => {
    if (dropLast && last) {
      rest.push(last);
      head = before;
    }
    firstBad = { seq: head.seq + 1, reason };
    rest.push(entry);
  };
  const it = log.iterator();
  try {
    for (;;) {
      let entries: [string, Uint8Array][];
      try {
        entries = await it.nextv(1000);
      } catch (err) {
        firstBad ??= { seq: head.seq + 1, reason: `unreadable: ${(err as Error)?.message ?? err}` };
        break;
      }
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (firstBad) {
          rest.push(entry);
          continue;
        }
        const problem = check(entry[0], entry[1], head);
        if (problem) {
          breakAt(entry, problem.reason, problem.link);
          continue;
        }
        before = head;
        last = entry;
        head = { seq: head.seq + 1, hash: createHash('sha256').update(entry[1]).digest('hex') };
      }
    }
  } finally {
    await it.close().catch(() => {});
  }
  // Nothing after the last event vouches for it but the heads recorded at commit and at close.
  if (!firstBad && last && recorded.some((r) => r.seq === head.seq && r.hash !== head.hash) && !recorded.some((r) => r.seq === head.seq && r.hash === head.hash)) {
    rest.push(last);
    firstBad = { seq: head.seq, reason: 'its bytes differ from the recorded head' };
    head = before;
  }
  const expected = Math.max(0, ...recorded.map((r) => r.seq));
  if (!firstBad && expected > head.seq) firstBad = { seq: head.seq + 1, reason: `missing: the ledger had ${expected} events` };
  return firstBad ? { head, firstBad, rest } : { head, rest };
}

function check(key: string, bytes: Uint8Array, head: Head): { reason: string; link: boolean } | undefined {
  const seq = keySeq(key);
  if (seq !== head.seq + 1) return { reason: seq > head.seq + 1 ? `missing (the next stored event is ${seq})` : `unexpected key ${key}`, link: false };
  let env: { seq?: unknown; prev?: unknown; type?: unknown; v?: unknown; data?: unknown };
  try {
    env = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { reason: 'its stored bytes are not JSON', link: false };
  }
  if (env?.seq !== seq) return { reason: `its envelope says seq ${String(env?.seq)}`, link: false };
  try {
    validateEvent(String(env.type), Number(env.v), env.data);
  } catch (err) {
    return { reason: `it fails its schema (${(err as Error).message})`, link: false };
  }
  if (env.prev !== head.hash) return { reason: 'it does not link to the event before it (one of the two was changed)', link: true };
  return undefined;
}

async function recordedHeads(meta: Db, path: string): Promise<Head[]> {
  const heads: Head[] = [];
  const parse = (text: string | undefined) => {
    try {
      const h = JSON.parse(text ?? '') as Head;
      if (Number.isSafeInteger(h?.seq) && typeof h.hash === 'string') heads.push({ seq: h.seq, hash: h.hash });
    } catch {
      // An unreadable recorded head vouches for nothing.
    }
  };
  const m = await meta.get('head').catch(() => undefined);
  parse(m ? Buffer.from(m).toString('utf8') : undefined);
  parse(await readFile(join(path, CLOSED_HEAD), 'utf8').catch(() => undefined));
  return heads;
}

async function saveAside(path: string, rest: [string, Uint8Array][]): Promise<string> {
  const dir = join(path, 'lost+found');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `repair-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  const fh = await openFile(file, 'wx');
  try {
    for (const [key, bytes] of rest) await fh.write(`${JSON.stringify({ key, bytes: Buffer.from(bytes).toString('base64') })}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return file;
}

function isJson(bytes: Uint8Array | undefined): boolean {
  if (!bytes) return false;
  try {
    JSON.parse(Buffer.from(bytes).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
