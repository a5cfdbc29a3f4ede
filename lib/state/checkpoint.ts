import { createHash, type Hash } from 'node:crypto';
import { deepFreeze, Projection } from './projection.js';
import { SeqList } from './seq-list.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 1;

/** What a stored checkpoint's header says: where it stands in the log, and what its pieces add up to. */
export interface CheckpointHeader {
  format: number;
  seq: number;
  /** The hash of the event at `seq`: the checkpoint is used only when the log has that event there. */
  hash: string;
  pieces: number;
  /** SHA-256 over the pieces, each followed by a NUL: a damaged or missing piece is caught. */
  digest: string;
}

const INDEXES = ['transformsByName', 'filesByName', 'filesByHash', 'transformRuns', 'runInputs', 'runOutputs', 'fileConsumers', 'fileProducers', 'runChildren'] as const;
type IndexName = (typeof INDEXES)[number];
const TABLES = ['transforms', 'runs', 'files'] as const;
const ORDER = { transforms: 'transformOrder', runs: 'runOrder', files: 'fileOrder' } as const;

// Entries per piece: every stored value stays a few MB, far below V8's string limit, and a load
// holds one piece's text at a time, whatever the size of the ledger.
const PIECE = 20_000;

/**
 * The checkpoint of a projection as it is now (its seq is the watermark), as a header and a
 * lazy sequence of JSON pieces. Everything is read at that watermark, so events applied while the
 * pieces are being made (and written) do not leak into it. Pure: no I/O.
 */
export function checkpointPieces(p: Projection): { seq: number; hash: string; pieces: Iterable<string>; header: () => string } {
  const w = p.seq;
  const hash = p.hash;
  const counts = [...p.eventCounts];
  const digest = createHash('sha256');
  let count = 0;
  function* make(): Generator<string> {
    yield JSON.stringify(['counts', counts]);
    for (const name of TABLES) {
      const order = p[ORDER[name]];
      const map = p[name] as Map<string, { seq: number }[]>;
      const n = order.countAt(w);
      for (let i = 0; i < n; i += PIECE) {
        const rows: { seq: number }[][] = [];
        for (let j = i; j < Math.min(n, i + PIECE); j++) {
          const versions = map.get(order.idAt(j))!;
          rows.push(versions[versions.length - 1]!.seq <= w ? versions : versions.filter((v) => v.seq <= w));
        }
        yield JSON.stringify([name, rows]);
      }
    }
    for (let i = 0; i < w; i += PIECE) yield JSON.stringify(['times', p.times.slice(i, Math.min(w, i + PIECE))]);
    for (const name of INDEXES) {
      let keys: string[] = [];
      let seqs: number[][] = [];
      let ids: string[][] = [];
      for (const [key, list] of p[name]) {
        const n = list.countAt(w);
        if (n === 0) continue;
        keys.push(key);
        seqs.push(list.seqs.slice(0, n));
        ids.push(list.ids.slice(0, n));
        if (keys.length === PIECE) {
          yield JSON.stringify([name, keys, seqs, ids]);
          keys = [];
          seqs = [];
          ids = [];
        }
      }
      if (keys.length) yield JSON.stringify([name, keys, seqs, ids]);
    }
  }
  function* pieces(): Generator<string> {
    for (const piece of make()) {
      digest.update(piece).update('\0');
      count++;
      yield piece;
    }
  }
  const header = () => JSON.stringify({ format: CHECKPOINT_FORMAT, seq: w, hash, pieces: count, digest: digest.digest('hex') } satisfies CheckpointHeader);
  return { seq: w, hash, pieces: pieces(), header };
}

/** Parses a checkpoint's header; throws when it is not one this version understands. */
export function decodeHeader(text: string): CheckpointHeader {
  const h = JSON.parse(text) as CheckpointHeader;
  if (h?.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${String(h?.format)} is not ${CHECKPOINT_FORMAT}`);
  if (!Number.isSafeInteger(h.seq) || h.seq < 1 || typeof h.hash !== 'string' || !Number.isSafeInteger(h.pieces) || typeof h.digest !== 'string') {
    throw new Error('checkpoint header is malformed');
  }
  return h;
}

/**
 * Rebuilds a projection from a checkpoint's pieces, one piece at a time; `finish()` checks the
 * digest, the piece count and the shape, and throws when anything does not add up.
 */
export class CheckpointLoader {
  readonly header: CheckpointHeader;
  readonly #p = new Projection();
  readonly #digest: Hash = createHash('sha256');
  #count = 0;

  constructor(header: CheckpointHeader) {
    this.header = header;
  }

  /** Takes the next piece. */
  add(text: string): void {
    this.#digest.update(text).update('\0');
    this.#count++;
    const piece = JSON.parse(text) as [string, ...unknown[]];
    const p = this.#p;
    const name = piece[0];
    if (name === 'counts') {
      for (const [type, n] of piece[1] as [string, number][]) p.eventCounts.set(type, n);
    } else if (name === 'transforms' || name === 'runs' || name === 'files') {
      const map = p[name] as Map<string, { seq: number; id: string }[]>;
      const order = p[ORDER[name]];
      for (const versions of piece[1] as { seq: number; id: string }[][]) {
        const first = versions[0];
        if (!first || typeof first.id !== 'string' || !Number.isSafeInteger(first.seq)) throw new Error('checkpoint row is malformed');
        for (const v of versions) name === 'runs' ? deepFreeze(v) : Object.freeze(v);
        map.set(first.id, versions);
        order.push(first.seq, first.id);
      }
    } else if (name === 'times') {
      for (const t of piece[1] as number[]) p.times.push(t);
    } else if ((INDEXES as readonly string[]).includes(name)) {
      const [, keys, seqs, ids] = piece as [string, string[], number[][], string[][]];
      if (keys.length !== seqs.length || keys.length !== ids.length) throw new Error(`checkpoint index ${name} is malformed`);
      const map = p[name as IndexName];
      for (let i = 0; i < keys.length; i++) {
        if (seqs[i]!.length !== ids[i]!.length) throw new Error(`checkpoint index ${name} is malformed`);
        map.set(keys[i]!, SeqList.from(seqs[i]!, ids[i]!));
      }
    } else {
      throw new Error(`checkpoint piece of unknown kind ${String(name)}`);
    }
  }

  /** The projection at the checkpoint's seq, once every piece is in and checks out. */
  finish(): Projection {
    const h = this.header;
    if (this.#count !== h.pieces) throw new Error(`checkpoint has ${this.#count} pieces, its header says ${h.pieces}`);
    if (this.#digest.digest('hex') !== h.digest) throw new Error('checkpoint pieces do not match their digest');
    const p = this.#p;
    if (p.times.length !== h.seq) throw new Error(`checkpoint at seq ${h.seq} has ${p.times.length} times`);
    p.seq = h.seq;
    p.hash = h.hash;
    return p;
  }
}
