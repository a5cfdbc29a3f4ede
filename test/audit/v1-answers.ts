import { createHash } from 'node:crypto';
import { File, Run, Transform, type Ledger } from 'lineage-ledger';

/**
 * What the v1 fixture ledger answers, as plain JSON: recorded by scripts/make-v1-fixture.mjs when
 * the fixture was written (code at event version 1), and recomputed by the schema-evolution test.
 * Uses only the API that existed at v1.
 */
export async function v1Answers(ln: Ledger): Promise<unknown> {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const bam = ln.select(File, { name: 'output.bam' }).one();
  const contents: Record<string, string> = {};
  for (const f of ln.select(File).all()) if (f.storageKey) contents[f.name] = sha(await f.load());
  const asOf: unknown[] = [];
  for (const k of [1, Math.ceil(ln.head.seq / 2), ln.head.seq]) {
    const s = ln.asOf(k);
    asOf.push({
      seq: k,
      files: s.select(File).all().map((f) => f.name),
      runs: s.select(Run).all().map((r) => ({ id: r.id, status: r.status, inputs: r.inputs.map((f) => f.name), outputs: r.outputs.map((f) => f.name) })),
    });
  }
  return JSON.parse(
    JSON.stringify({
      head: ln.head,
      ledgerId: ln.info.ledgerId,
      stats: ln.stats(),
      transforms: ln.select(Transform).all().map((t) => ({ ...t.toJSON(), runs: t.runs.map((r) => r.id) })),
      runs: ln.select(Run).all().map((r) => ({
        ...r.toJSON(),
        inputs: r.inputs.map((f) => f.id),
        outputs: r.outputs.map((f) => f.id),
        children: r.children.map((c) => c.id),
      })),
      files: ln.select(File).all().map((f) => ({ ...v1FileJson(f), inputOf: f.inputOf.map((r) => r.id), recreatedBy: f.recreatedBy.map((r) => r.id) })),
      joins: {
        bamRun: ln.select(Run).join(File, { name: 'output.bam' }).one().id,
        transformsOfIris: ln.select(Transform).join(Run).join(File, { name: 'iris.csv' }).all().map((t) => t.name),
        runsReadingFastq: ln.select(Run).join(File, { name: 'input.fastq.gz' }, { via: 'inputs' }).all().map((r) => r.id),
        failedRuns: ln.select(Run, { status: 'failed' }).all().map((r) => r.id),
      },
      lineage: ln.lineage(bam, { direction: 'both' }),
      asOf,
      contents,
    }),
  );
}

/** A file's toJSON() as v1 wrote it: its storage key was called `key` then (`key` is now the virtual key of issue 15, and v1 files have none). */
function v1FileJson(f: File): Record<string, unknown> {
  const { storageKey, key: _virtual, ...rest } = f.toJSON();
  return storageKey === undefined ? rest : { ...rest, key: storageKey };
}
