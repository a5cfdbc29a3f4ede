import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { readJournal } from '../../lib/log/journal.js';

/** One event as stored: its key's seq, the parsed envelope and the sha256 of the stored bytes. */
export interface RawEvent {
  key: number;
  env: { seq: number; type: string; v: number; at: string; data: Record<string, unknown>; prev: string };
  hash: string;
}

/** What a raw walk of the chain found: the events up to the first break, and the break, if any. */
export interface ChainReport {
  events: RawEvent[];
  head: { seq: number; hash: string };
  /** Why the chain stops being trustworthy, and at which key. */
  broken?: { key: number; reason: string };
}

const GENESIS = '0'.repeat(64);

/**
 * Walks the hash chain of a closed ledger through a raw classic-level handle on `<ledger>/log`,
 * independently of the library: sha256 of the stored bytes, prev links, contiguous seqs from 1.
 */
export async function walkChain(ledgerPath: string): Promise<ChainReport> {
  // A process killed before LevelDB wrote CURRENT left no database: an empty ledger.
  if (!existsSync(join(ledgerPath, 'log', 'CURRENT'))) return { events: [], head: headOf([]) };
  const db = new ClassicLevel<string, Uint8Array>(join(ledgerPath, 'log'), { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  try {
    const log = db.sublevel<string, Uint8Array>('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
    const events: RawEvent[] = [];
    let prev = GENESIS;
    for await (const [k, bytes] of log.iterator()) {
      const key = Number(k);
      const expected = events.length + 1;
      const hash = createHash('sha256').update(bytes).digest('hex');
      let env: RawEvent['env'];
      try {
        env = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        return { events, head: headOf(events), broken: { key, reason: 'stored bytes are not JSON' } };
      }
      if (key !== expected) return { events, head: headOf(events), broken: { key, reason: `key ${key} where seq ${expected} was due` } };
      if (env.seq !== key) return { events, head: headOf(events), broken: { key, reason: `envelope says seq ${env.seq}` } };
      if (env.prev !== prev) return { events, head: headOf(events), broken: { key, reason: 'prev does not match the previous hash' } };
      events.push({ key, env, hash });
      prev = hash;
    }
    return { events, head: headOf(events) };
  } finally {
    await db.close();
  }
}

function headOf(events: RawEvent[]): { seq: number; hash: string } {
  const last = events[events.length - 1];
  return last ? { seq: last.key, hash: last.hash } : { seq: 0, hash: GENESIS };
}

/**
 * The raw chain of a ledger killed in 'journal' mode: LevelDB's stored chain, continued by the events
 * of its journal past LevelDB's head (each checked the same way: sha256, prev link, next seq).
 * `behind` counts the events only the journal holds.
 */
export async function walkChainAndJournal(ledgerPath: string): Promise<ChainReport & { behind: number }> {
  const chain = await walkChain(ledgerPath);
  if (chain.broken) return { ...chain, behind: 0 };
  const journal = readJournal(ledgerPath);
  if (journal.damaged) return { ...chain, behind: 0, broken: { key: chain.head.seq + 1, reason: `journal damaged: ${journal.damaged.reason}` } };
  const events = chain.events.slice();
  let behind = 0;
  for (const frame of journal.frames) {
    for (const bytes of frame.events) {
      const env = JSON.parse(Buffer.from(bytes).toString('utf8')) as RawEvent['env'];
      const hash = createHash('sha256').update(bytes).digest('hex');
      const head = headOf(events);
      if (env.seq <= head.seq) {
        if (env.seq === head.seq && hash !== head.hash) return { events, head, behind, broken: { key: env.seq, reason: 'the journal holds another event at the log head' } };
        continue;
      }
      if (env.seq !== head.seq + 1) return { events, head, behind, broken: { key: env.seq, reason: `journal event ${env.seq} where seq ${head.seq + 1} was due` } };
      if (env.prev !== head.hash) return { events, head, behind, broken: { key: env.seq, reason: 'journal event does not link to the previous hash' } };
      events.push({ key: env.seq, env, hash });
      behind++;
    }
  }
  return { events, head: headOf(events), behind };
}
