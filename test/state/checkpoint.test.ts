import { createHash } from 'node:crypto';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { File, open, Run, Transform, type Ledger } from 'lineage-ledger';
import { appendValidated } from '../../bench/suite.js';
import { generateWorkload } from '../../bench/workload.js';
import { CHECKPOINT_EVERY } from '../../lib/checkpoint.js';
import { decodePiece, encodePiece } from '../../lib/state/piece.js';
import stringify from 'fast-json-stable-stringify';
import { tempDir } from '../helpers.js';

/** Asserts equal answers without printing both (they are long). */
function same(actual: string, expected: string, what = 'answers'): void {
  if (actual === expected) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  assert.unreachable(`${what} differ at ${i}: …${actual.slice(Math.max(0, i - 80), i + 80)}… vs …${expected.slice(Math.max(0, i - 80), i + 80)}…`);
}

type Internal = Ledger & {
  checkpoint(): Promise<void>;
  loadReport: { from: number; rejected?: string };
  log: { putCheckpointEntry(key: string, value: string | Uint8Array): Promise<void>; checkpointHeader(): Promise<string | undefined>; checkpointPieces(seq: number): AsyncIterable<Uint8Array> };
};
const pieceKey = (seq: number, i: number) => `piece:${String(seq).padStart(16, '0')}:${String(i).padStart(16, '0')}`;
const internal = (l: Ledger) => l as Internal;

/**
 * Everything a reader can see, as canonical JSON (a live row keeps its fields in the order they were
 * given, a replayed one in stored order): the answers must not depend on how the projection was loaded.
 */
function answers(l: Ledger): string {
  const files = l.select(File).all();
  return stringify({
    head: l.head,
    stats: l.stats(),
    transforms: l.select(Transform).all(),
    runs: l.select(Run).all().map((r) => ({ ...r.toJSON(), inputs: r.inputs.map((f) => f.id), outputs: r.outputs.map((f) => f.id) })),
    files: files.map((f) => ({ ...f.toJSON(), inputOf: f.inputOf.map((r) => r.id) })),
    lineage: files.slice(-3).map((f) => l.lineage(f, { direction: 'both' })),
    asOf: l.asOf(Math.max(1, l.head.seq - 3)).select(File).all().map((f) => f.id),
  });
}

async function populate(l: Ledger, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    await l.run(new Transform({ name: `step-${i % 3}`, version: '1' }), async () => {
      const prev = l.select(File).all().at(-1);
      if (prev) await prev.load({ isRunInput: true });
      await l.add(new File(Buffer.from(`${tag} ${i}`), { name: `${tag}-${i}.csv` }));
    }, { params: { i } });
  }
}

async function withLedger(fn: (path: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir();
  try {
    await fn(`${dir}/ledger`);
  } finally {
    cleanup();
  }
}

test('a reopened ledger loads its checkpoint, replays the tail, and answers as a full replay does', () =>
  withLedger(async (path) => {
    let l = await open(path);
    await populate(l, 6, 'a');
    await internal(l).checkpoint();
    const at = l.head.seq;
    await populate(l, 3, 'b');
    const expected = answers(l);
    await l.close();
    l = await open(path);
    assert.equal(internal(l).loadReport, { from: at });
    same(answers(l), expected);
    // And appends after a checkpointed open go on from the right head.
    await populate(l, 1, 'c');
    const after = answers(l);
    await l.close();
    l = await open(path);
    same(answers(l), after);
    await l.close();
  }));

test('a checkpoint taken while appends go on stays at the seq it started at', () =>
  withLedger(async (path) => {
    let l = await open(path);
    await populate(l, 4, 'a');
    const taking = internal(l).checkpoint();
    await populate(l, 3, 'b');
    await taking;
    const expected = answers(l);
    await l.close();
    l = await open(path);
    const { from } = internal(l).loadReport;
    assert.ok(from > 0 && from < l.head.seq, `checkpoint at ${from}, head ${l.head.seq}`);
    same(answers(l), expected);
    await l.close();
  }));

async function damaged(damage: (l: Internal, header: Record<string, unknown>) => Promise<void>, reason: RegExp): Promise<void> {
  await withLedger(async (path) => {
    let l = await open(path);
    await populate(l, 5, 'a');
    await internal(l).checkpoint();
    await populate(l, 1, 'b');
    const expected = answers(l);
    const header = await internal(l).log.checkpointHeader();
    await damage(internal(l), JSON.parse(header!));
    await l.close();
    l = await open(path);
    const report = internal(l).loadReport;
    assert.is(report.from, 0, 'the checkpoint was not used');
    assert.match(report.rejected ?? '', reason);
    same(answers(l), expected);
    await l.close();
  });
}

test('pieces left past the count of the stored checkpoint (an older one at the same seq) are not read', () =>
  withLedger(async (path) => {
    let l = await open(path);
    await populate(l, 5, 'a');
    await internal(l).checkpoint();
    const h = JSON.parse((await internal(l).log.checkpointHeader())!) as { seq: number; pieces: number };
    await internal(l).log.putCheckpointEntry(pieceKey(h.seq, h.pieces), Buffer.from('stale'));
    const expected = answers(l);
    await l.log.close();
    l = await open(path);
    assert.is(internal(l).loadReport.from, h.seq, internal(l).loadReport.rejected);
    same(answers(l), expected);
    // Saving again at the same seq drops the stale piece.
    await internal(l).checkpoint();
    await l.close();
  }));

test('a checkpoint whose hash does not match the log event at its seq is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry('header', JSON.stringify({ ...h, hash: 'f'.repeat(64) })), /does not match the log/));

test('a checkpoint whose seq points at another event of the log is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry('header', JSON.stringify({ ...h, seq: (h.seq as number) - 1 })), /does not match the log/));

test('a checkpoint past the head of the log (a log cut short) is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry('header', JSON.stringify({ ...h, seq: (h.seq as number) + 1000 })), /past the log's head/));

test('a checkpoint of an unknown format version is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry('header', JSON.stringify({ ...h, format: 99 })), /format 99/));

test('a checkpoint whose header does not parse is ignored', () => damaged((l) => l.log.putCheckpointEntry('header', '{"format":1,'), /JSON/));

test('a checkpoint with a damaged piece is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry(pieceKey(h.seq as number, 1), encodePiece({ k: 'column', n: 'runs.ids', i: 0, t: 'json' }, ['x'])), /digest/));

test('a checkpoint with a piece that does not parse is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry(pieceKey(h.seq as number, 1), Buffer.concat([Buffer.from([12, 0, 0, 0]), Buffer.from('{"k":"column"')])), /JSON/));

test('a checkpoint with a truncated piece is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry(pieceKey(h.seq as number, 1), Buffer.from([200, 0])), /truncated/));

test('a checkpoint with a missing piece is ignored', () =>
  damaged((l, h) => l.log.putCheckpointEntry('header', JSON.stringify({ ...h, pieces: (h.pieces as number) + 1 })), /pieces/));

test('a checkpoint body that parses, with a matching digest, but lies about its position is ignored', () =>
  damaged(async (l, h) => {
    const seq = h.seq as number;
    // One event fewer in the counts: a body that describes another seq than its header's.
    const fewer = (p: Uint8Array) => {
      const { head, body } = decodePiece(p);
      if (head.k !== 'counts') return p;
      (body as [string, number][])[0]![1]--;
      return encodePiece(head, body);
    };
    const pieces: Uint8Array[] = [];
    for await (const p of l.log.checkpointPieces(seq)) pieces.push(fewer(p));
    const digest = createHash('sha256');
    for (const [i, p] of pieces.entries()) {
      digest.update(p).update('\0');
      await l.log.putCheckpointEntry(pieceKey(seq, i), p);
    }
    await l.log.putCheckpointEntry('header', JSON.stringify({ ...h, digest: digest.digest('hex') }));
  }, /counts \d+ events/));

test(`close writes a checkpoint once ${CHECKPOINT_EVERY.toLocaleString('en-US')} events came after the last one, and not before`, () =>
  withLedger(async (path) => {
    const w = generateWorkload({ events: CHECKPOINT_EVERY + 500, seed: 5, chainLength: 20 });
    let l = await open(path);
    await appendValidated(l, w.events.slice(0, CHECKPOINT_EVERY - 1));
    await l.close();
    l = await open(path);
    assert.is(internal(l).loadReport.from, 0, 'too few events for a checkpoint');
    await appendValidated(l, w.events.slice(CHECKPOINT_EVERY - 1));
    const expected = answers(l);
    await l.close();
    l = await open(path);
    assert.is(internal(l).loadReport.from, w.events.length);
    same(answers(l), expected);
    await l.close();
  }));

test.run();
