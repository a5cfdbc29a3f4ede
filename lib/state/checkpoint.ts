import { createHash } from 'node:crypto';
import type { FileRow, RunRow, TransformRow } from './rows.js';
import { Projection } from './projection.js';
import { SeqList } from './seq-list.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 1;

type Lists = [string[], number[][], string[][]];

/** A projection as plain JSON: tables as rows, index lists as parallel arrays. Pure data, no I/O. */
export interface CheckpointData {
  format: number;
  seq: number;
  hash: string;
  times: number[];
  eventCounts: [string, number][];
  transforms: TransformRow[][];
  runs: RunRow[][];
  files: FileRow[][];
  lists: Record<IndexName, Lists>;
}

const INDEXES = ['transformsByName', 'filesByName', 'filesByHash', 'transformRuns', 'runInputs', 'runOutputs', 'fileConsumers', 'fileProducers', 'runChildren'] as const;
type IndexName = (typeof INDEXES)[number];

/** The checkpoint of a projection, at its seq. */
export function checkpointOf(p: Projection): CheckpointData {
  const lists = {} as Record<IndexName, Lists>;
  for (const name of INDEXES) {
    const keys: string[] = [];
    const seqs: number[][] = [];
    const ids: string[][] = [];
    for (const [k, list] of p[name]) {
      keys.push(k);
      seqs.push(list.seqs);
      ids.push(list.ids);
    }
    lists[name] = [keys, seqs, ids];
  }
  // The tables in creation order: the order lists are rebuilt from them.
  const table = <R>(order: SeqList, map: Map<string, R[]>) => order.ids.map((id) => map.get(id)!);
  return {
    format: CHECKPOINT_FORMAT,
    seq: p.seq,
    hash: p.hash,
    times: p.times,
    eventCounts: [...p.eventCounts],
    transforms: table(p.transformOrder, p.transforms),
    runs: table(p.runOrder, p.runs),
    files: table(p.fileOrder, p.files),
    lists,
  };
}

/** A projection rebuilt from a checkpoint; throws when the checkpoint is not well formed. */
export function restoreCheckpoint(cp: CheckpointData): Projection {
  if (cp?.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${String(cp?.format)} is not ${CHECKPOINT_FORMAT}`);
  const p = new Projection();
  const table = <R extends { seq: number; id: string }>(versions: R[][], map: Map<string, R[]>, order: SeqList, deep: boolean) => {
    for (const vs of versions) {
      for (const v of vs) deep ? deepFreeze(v) : Object.freeze(v);
      const first = vs[0];
      if (!first || typeof first.id !== 'string' || !Number.isSafeInteger(first.seq)) throw new Error('checkpoint row is malformed');
      map.set(first.id, vs);
      order.push(first.seq, first.id);
    }
  };
  if (!Array.isArray(cp.transforms) || !Array.isArray(cp.runs) || !Array.isArray(cp.files) || !Array.isArray(cp.times)) throw new Error('checkpoint tables are missing');
  table(cp.transforms, p.transforms, p.transformOrder, false);
  table(cp.runs, p.runs, p.runOrder, true);
  table(cp.files, p.files, p.fileOrder, false);
  for (const name of INDEXES) {
    const [keys, seqs, ids] = cp.lists[name];
    if (keys.length !== seqs.length || keys.length !== ids.length) throw new Error(`checkpoint index ${name} is malformed`);
    const map = p[name];
    for (let i = 0; i < keys.length; i++) map.set(keys[i]!, SeqList.from(seqs[i]!, ids[i]!));
  }
  for (const t of cp.times) p.times.push(t);
  for (const [type, n] of cp.eventCounts) p.eventCounts.set(type, n);
  if (p.times.length !== cp.seq) throw new Error(`checkpoint at seq ${cp.seq} has ${p.times.length} times`);
  p.seq = cp.seq;
  p.hash = cp.hash;
  return p;
}

function deepFreeze(o: object): void {
  Object.freeze(o);
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v);
}

/** What a stored checkpoint's header says: where it stands in the log, and how many pieces follow. */
export interface CheckpointHeader {
  format: number;
  seq: number;
  hash: string;
  pieces: number;
  /** SHA-256 over the pieces, so that a damaged piece is caught before it is parsed. */
  digest: string;
}

// Rows per piece: keeps every stored value a few MB, far below V8's string limit, whatever the ledger's size.
const PIECE = 20_000;

/** A checkpoint as JSON text: a header and pieces of bounded size. */
export function encodeCheckpoint(cp: CheckpointData): { header: string; pieces: string[] } {
  const pieces: string[] = [JSON.stringify(['counts', cp.eventCounts])];
  const slices = (name: string, arr: unknown[]) => {
    for (let i = 0; i < arr.length; i += PIECE) pieces.push(JSON.stringify([name, arr.slice(i, i + PIECE)]));
  };
  slices('transforms', cp.transforms);
  slices('runs', cp.runs);
  slices('files', cp.files);
  slices('times', cp.times);
  for (const name of INDEXES) {
    const [keys, seqs, ids] = cp.lists[name];
    for (let i = 0; i < keys.length; i += PIECE) pieces.push(JSON.stringify([name, keys.slice(i, i + PIECE), seqs.slice(i, i + PIECE), ids.slice(i, i + PIECE)]));
  }
  const header: CheckpointHeader = { format: cp.format, seq: cp.seq, hash: cp.hash, pieces: pieces.length, digest: digestOf(pieces) };
  return { header: JSON.stringify(header), pieces };
}

/** Parses a checkpoint's header; throws when it is not one this version understands. */
export function decodeHeader(text: string): CheckpointHeader {
  const h = JSON.parse(text) as CheckpointHeader;
  if (h?.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${String(h?.format)} is not ${CHECKPOINT_FORMAT}`);
  if (!Number.isSafeInteger(h.seq) || h.seq < 1 || typeof h.hash !== 'string' || !Number.isSafeInteger(h.pieces)) throw new Error('checkpoint header is malformed');
  return h;
}

/** Reassembles checkpoint data from its header and pieces; throws when anything is missing or malformed. */
export function decodeCheckpoint(header: CheckpointHeader, pieces: readonly string[]): CheckpointData {
  if (pieces.length !== header.pieces) throw new Error(`checkpoint has ${pieces.length} pieces, its header says ${header.pieces}`);
  if (digestOf(pieces) !== header.digest) throw new Error('checkpoint pieces do not match their digest');
  const empty = (): Lists => [[], [], []];
  const cp: CheckpointData = {
    format: header.format,
    seq: header.seq,
    hash: header.hash,
    times: [],
    eventCounts: [],
    transforms: [],
    runs: [],
    files: [],
    lists: Object.fromEntries(INDEXES.map((n) => [n, empty()])) as Record<IndexName, Lists>,
  };
  const append = <T>(into: T[], from: T[]) => {
    for (const x of from) into.push(x);
  };
  for (const text of pieces) {
    const piece = JSON.parse(text) as [string, ...unknown[]];
    const [name] = piece;
    if (name === 'counts') cp.eventCounts = piece[1] as [string, number][];
    else if (name === 'transforms' || name === 'runs' || name === 'files' || name === 'times') append(cp[name] as unknown[], piece[1] as unknown[]);
    else if ((INDEXES as readonly string[]).includes(name)) {
      const lists = cp.lists[name as IndexName];
      for (let j = 0; j < 3; j++) append(lists[j] as unknown[], piece[j + 1] as unknown[]);
    } else throw new Error(`checkpoint piece of unknown kind ${String(name)}`);
  }
  return cp;
}

/** SHA-256 over the pieces, each followed by a NUL (which JSON text never holds). */
export function digestOf(pieces: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of pieces) h.update(p).update('\0');
  return h.digest('hex');
}
