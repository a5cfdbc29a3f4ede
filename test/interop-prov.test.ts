import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { File, open, Run, toProv, Transform } from 'lineage-ledger';
import { demoLedger } from './interop-demo.js';
import { interopFiles, provErrors, readInterop } from './interop-schemas.js';
import { workload } from './interop-workload.js';

const test = suite('PROV-JSON export');

test('the schema check accepts the PROV-JSON samples it should, and rejects those missing a required field (it can fail)', () => {
  // Three samples of the prov package's tests leave out a field this schema requires (the PROV-DM allows it).
  const partial = ['association2.json', 'attribution1.json', 'derivation1.json'];
  for (const f of interopFiles('prov', 'examples')) {
    assert.equal(provErrors(readInterop('prov', 'examples', f)).length === 0, !partial.includes(f), f);
  }
  assert.notDeepEqual(provErrors({ entity: { 'ex:e': { 'prov:label': { lang: 'en' } } } }), []);
  assert.notDeepEqual(provErrors({ wasGeneratedBy: { 'ex:g': { 'prov:activity': 'ex:a' } } }), []);
});

test('the demo ledger as PROV-JSON validates; files are entities, runs activities with times, transforms plans', async () => {
  const { ledger, bam } = await demoLedger();
  try {
    const doc = toProv(ledger);
    assert.deepEqual(provErrors(doc), []);
    const run = bam.run!;
    const act = doc.activity[`ll:run_${run.id}`]!;
    assert.equal(act['prov:startTime'], run.startedAt!.toISOString());
    assert.equal(act['prov:endTime'], run.finishedAt!.toISOString());
    const plan = doc.entity[`ll:transform_${run.transform.id}`]!;
    assert.deepEqual(plan['prov:type'], { $: 'prov:Plan', type: 'xsd:QName' });
    assert.equal(plan['prov:label'], 'Cell Ranger v7');
    assert.deepEqual(Object.values(doc.wasAssociatedWith).filter((a) => a['prov:activity'] === `ll:run_${run.id}`), [{ 'prov:activity': `ll:run_${run.id}`, 'prov:plan': `ll:transform_${run.transform.id}` }]);
    const fq = run.inputs[0]!;
    assert.equal(doc.entity[`ll:file_${bam.id}`]!['prov:label'], 'output.bam');
    assert.equal(doc.entity[`ll:file_${bam.id}`]!['ll:hash'], bam.hash);
    assert.ok(Object.values(doc.used).some((u) => u['prov:activity'] === `ll:run_${run.id}` && u['prov:entity'] === `ll:file_${fq.id}`));
    assert.ok(Object.values(doc.wasGeneratedBy).some((g) => g['prov:activity'] === `ll:run_${run.id}` && g['prov:entity'] === `ll:file_${bam.id}`));
    const der = Object.values(doc.wasDerivedFrom).filter((d) => d['prov:generatedEntity'] === `ll:file_${bam.id}`);
    assert.deepEqual(der.map((d) => [d['prov:usedEntity'], d['prov:activity']]), [[`ll:file_${fq.id}`, `ll:run_${run.id}`]]);
    // Every relation names records the document holds.
    const ids = new Set([...Object.keys(doc.entity), ...Object.keys(doc.activity)]);
    for (const rel of [doc.used, doc.wasGeneratedBy, doc.wasDerivedFrom, doc.wasAssociatedWith, doc.wasStartedBy]) {
      for (const r of Object.values(rel)) for (const k of ['prov:entity', 'prov:activity', 'prov:plan', 'prov:generatedEntity', 'prov:usedEntity', 'prov:starter']) if (r[k] !== undefined) assert.ok(ids.has(String(r[k])), `${k} ${r[k]}`);
    }
  } finally {
    await ledger.close();
  }
});

test('generated workloads as PROV-JSON validate, with one activity per run and a derivation per input and output of a run', async () => {
  for (const seed of [4, 5]) {
    const ln = await open({ memory: true });
    try {
      await workload(ln, seed);
      const doc = toProv(ln);
      assert.deepEqual(provErrors(doc), []);
      const runs = ln.select(Run).all();
      assert.equal(Object.keys(doc.activity).length, runs.length);
      assert.equal(Object.keys(doc.entity).length, ln.select(File).count() + ln.select(Transform).count());
      const derivations = runs.reduce((n, r) => n + r.inputs.length * r.outputs.length, 0);
      assert.equal(Object.values(doc.wasDerivedFrom).filter((d) => d['prov:activity'] !== undefined).length, derivations);
      assert.equal(Object.keys(doc.wasStartedBy).length, runs.filter((r) => r.parent).length, 'a nested run was started by its parent');
      const open_ = runs.find((r) => r.status === 'started')!;
      assert.equal(doc.activity[`ll:run_${open_.id}`]!['prov:endTime'], undefined, 'an open run has no end time');
    } finally {
      await ln.close();
    }
  }
});

test('a new version of a script is a revision of the earlier plan', async () => {
  const ln = await open({ memory: true });
  const { tempDir } = await import('./helpers.js');
  const tmp = tempDir();
  try {
    const { writeFileSync } = await import('node:fs');
    const script = `${tmp.dir}/step.js`;
    writeFileSync(script, 'v1');
    await ln.track(undefined, { script });
    writeFileSync(script, 'v2');
    await ln.track(undefined, { script });
    const [v1, v2] = ln.select(Transform).orderBy('version').all();
    const doc = toProv(ln);
    assert.deepEqual(provErrors(doc), []);
    assert.deepEqual(doc.wasDerivedFrom[`ll:revision_${v2!.id}`], { 'prov:generatedEntity': `ll:transform_${v2!.id}`, 'prov:usedEntity': `ll:transform_${v1!.id}`, 'prov:type': { $: 'prov:Revision', type: 'xsd:QName' } });
  } finally {
    await ln.close();
    tmp.cleanup();
  }
});

test.run();
