import { ClassicLevel } from 'classic-level';
import { join } from 'node:path';
import { File, Run, Transform, type Ledger, type Snapshot } from 'lineage-ledger';

/** A ledger or one of its snapshots: everything that answers queries. */
export type Readable = Ledger | Snapshot;

/**
 * Every question the read API answers about a ledger, as plain JSON: records and their relations,
 * joins, lineage graphs, histories and the event stream. Two readers that agree here agree on everything.
 */
export async function world(r: Readable): Promise<unknown> {
  // Trashed records included: they keep their lineage, and their trash state is in toJSON().
  const transforms = r.select(Transform).withTrashed().all();
  const runs = r.select(Run).withTrashed().all();
  const files = r.select(File).withTrashed().all();
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
  const history = async (x: File | Run | Transform) => (await r.history(x)).map((e) => [e.seq, e.type, e.hash]);
  const events: unknown[] = [];
  for await (const e of r.events()) events.push(e);
  const out = {
    seq: r.seq,
    counts: [r.select(Transform).count(), r.select(Run).count(), r.select(File).count()],
    transforms: await Promise.all(transforms.map(async (t) => ({ ...t.toJSON(), runs: ids(t.runs), latest: t.latestRun?.id, revises: t.revises?.id, history: await history(t) }))),
    runs: await Promise.all(
      runs.map(async (x) => ({
        ...x.toJSON(),
        transform: x.transform.id,
        parent: x.parent?.id,
        inputs: ids(x.inputs),
        outputs: ids(x.outputs),
        children: ids(x.children),
        history: await history(x),
      })),
    ),
    files: await Promise.all(
      files.map(async (f) => ({
        ...f.toJSON(),
        run: f.run?.id,
        transform: f.transform?.id,
        inputOf: ids(f.inputOf),
        recreatedBy: ids(f.recreatedBy),
        history: await history(f),
        versions: ids(f.versions),
        isLatest: f.isLatest,
        up: r.lineage(f, { direction: 'upstream' }),
        both: r.lineage(f, { direction: 'both', depth: 3 }),
      })),
    ),
    joins: transforms.map((t) => ({
      filesMadeBy: ids(r.select(File).join(Run).join(Transform, { id: t.id }).all()),
      filesReadBy: ids(r.select(File).join(Run, undefined, { via: 'inputs' }).join(Transform, { id: t.id }).all()),
      runs: ids(r.select(Run, { transform: t }).orderBy('startedAt', 'desc').all()),
    })),
    failed: ids(r.select(Run, { status: 'failed' }).all()),
    visible: [ids(r.select(Transform).all()), ids(r.select(Run).all()), ids(r.select(File).all())],
    trashed: [ids(r.select(Transform).onlyTrashed().all()), ids(r.select(Run).onlyTrashed().all()), ids(r.select(File).onlyTrashed().all())],
    keyed: ids(r.select(File).where({ key: { startsWith: 'keys/' } }).all()),
    latestByKey: [0, 1].map((k) => r.select(File, { key: `keys/k${k}` }).latest()?.id),
    started: ids(r.select(Run, { status: 'started' }).all()),
    firstTwoFiles: ids(r.select(File).orderBy('name').limit(2).all()),
    lineageOfRuns: runs.map((x) => r.lineage(x, { direction: 'both' })),
    // Labels, run references and stored sources (issue 15): the queries that use their indexes.
    byLabel: ['l0', 'l1', 'l2'].map((label) => [ids(r.select(File, { label }).all()), ids(r.select(Run, { label }).all()), ids(r.select(Transform, { label }).all())]),
    byReference: ['ref-0', 'ref-1', 'ref-2'].map((reference) => ids(r.select(Run, { reference }).all())),
    nextflow: ids(r.select(Run, { referenceType: 'nextflow' }).all()),
    withSource: ids(transforms.filter((t) => t.hasSource)),
    events,
  };
  return JSON.parse(JSON.stringify(out));
}

/** Writes the first `k` stored events of `source` (exact bytes) into a fresh ledger folder `dir`. */
export async function copyPrefix(source: Ledger, k: number, dir: string): Promise<void> {
  const db = new ClassicLevel(join(dir, 'log'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  const log = db.sublevel<string, Uint8Array>('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    for await (const batch of source.log.readRaw(1)) {
      const take = batch.filter(([seq]) => seq <= k);
      if (take.length) await log.batch(take.map(([seq, bytes]) => ({ type: 'put' as const, key: String(seq).padStart(16, '0'), value: bytes })));
      if (take.length < batch.length) break;
    }
  } finally {
    await db.close();
  }
}
