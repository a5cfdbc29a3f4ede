import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { File, LEDGER_FACET, open, toOpenLineage, toProv, Transform } from 'lineage-ledger';
import { provErrors, runEventErrors } from './interop-schemas.js';
import { serving } from './support/serve.js';

const test = suite('labels, run references and stored sources in OpenLineage and PROV exports');

async function labelled() {
  const ln = await open({ memory: true });
  const t = new Transform({ name: 'align', type: 'pipeline' });
  const run = await ln.track(t, { reference: 'nf-3', referenceType: 'nextflow' });
  const f = await ln.add(new File(Buffer.from('bam'), { name: 'out.bam' }));
  await f.labels.add(['qc-passed', 'tumor']);
  await run.labels.add('nightly');
  await t.labels.add('production');
  await ln.finish();
  return { ln, run, f, t };
}

test('OpenLineage: run labels are tags (TagsRunFacet), file and transform labels and the run reference sit in the ledger facets; every facet validates', async () => {
  const { ln } = await labelled();
  const events = await toOpenLineage(ln);
  for (const e of events) assert.deepEqual(runEventErrors(e), [], JSON.stringify(e));
  const complete = events.find((e) => e.eventType === 'COMPLETE')!;
  assert.deepEqual((complete.run.facets!.tags as unknown as { tags: unknown[] }).tags, [{ key: 'nightly', value: 'true', source: 'LINEAGE_LEDGER' }]);
  assert.deepEqual((complete.run.facets![LEDGER_FACET.run] as Record<string, unknown>).reference, 'nf-3');
  assert.deepEqual((complete.run.facets![LEDGER_FACET.run] as Record<string, unknown>).referenceType, 'nextflow');
  assert.deepEqual((complete.job.facets![LEDGER_FACET.transform] as Record<string, unknown>).labels, ['production']);
  assert.deepEqual((complete.outputs![0]!.facets![LEDGER_FACET.file] as Record<string, unknown>).labels, ['qc-passed', 'tumor']);
  // As of before the labels, the export has none.
  const before = await toOpenLineage(ln.asOf(4));
  assert.equal(before.some((e) => e.run.facets?.tags !== undefined), false);
  await ln.close();
});

test('PROV: labels (ll:labels), the run reference and the stored source hash are attributes; the document validates', async () => {
  const { ln, run, f, t } = await labelled();
  const doc = toProv(ln);
  assert.deepEqual(provErrors(doc), []);
  assert.deepEqual(doc.entity[`ll:file_${f.id}`]!['ll:labels'], ['qc-passed', 'tumor']);
  assert.deepEqual(doc.entity[`ll:transform_${t.id}`]!['ll:labels'], ['production']);
  assert.equal(doc.activity[`ll:run_${run.id}`]!['ll:runReference'], 'nf-3');
  assert.deepEqual(doc.activity[`ll:run_${run.id}`]!['ll:labels'], ['nightly']);
  await ln.close();
});

test('Marquez: a dataset\'s and a job\'s tags are the labels of their files and transforms', async () => {
  const { ln } = await labelled();
  const server = await serving(ln);
  try {
    const ns = encodeURIComponent(`lineage-ledger.${ln.info.ledgerId}`);
    const ds = (await (await fetch(`${server.url}/api/v1/namespaces/${ns}/datasets/out.bam`)).json()) as { tags: string[] };
    assert.deepEqual(ds.tags, ['qc-passed', 'tumor']);
    const job = (await (await fetch(`${server.url}/api/v1/namespaces/${ns}/jobs/align`)).json()) as { tags: string[] };
    assert.deepEqual(job.tags, ['production']);
  } finally {
    await server.close();
    await ln.close();
  }
});

test.run();
