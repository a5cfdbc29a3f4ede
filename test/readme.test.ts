import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import { ERROR_CODES, File, isLineageError, LIMITS, Run, Transform } from 'lineage-ledger';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const test = suite('the README and the public surface');

test('opens with the two commands a newcomer runs', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  assert.match(firstBlock, /lineage demo/);
  assert.match(firstBlock, /npm test/);
});

test('lists every error code, and every limit with its value', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.ok(readme.includes(`| \`${code}\` |`), `README lacks ${code}`);
  for (const value of Object.values(LIMITS)) assert.ok(readme.includes(`| ${value} |`), `README lacks the limit ${value}`);
});

test('unsaved records say so with RECORD_NOT_SAVED', async () => {
  const t = new Transform({ name: 'draft' });
  assert.equal(t.name, 'draft');
  assert.throws(() => t.id, (e: unknown) => isLineageError(e, 'RECORD_NOT_SAVED'));
  assert.throws(() => new Run({ transform: t }).id, (e: unknown) => isLineageError(e, 'RECORD_NOT_SAVED'));
  const f = new File('/data/output.bam');
  assert.equal(f.name, 'output.bam');
  assert.equal(f.suffix, '.bam');
  await assert.rejects(f.load(), (e: unknown) => isLineageError(e, 'RECORD_NOT_SAVED'));
  assert.equal(new File('reads.fastq.gz').suffix, '.fastq.gz');
  assert.equal(new File('archive.v2.csv').suffix, '.csv');
});

test.run();
