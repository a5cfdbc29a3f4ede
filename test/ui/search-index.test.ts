import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer, File, type Ledger, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { backends } from '../helpers.js';

// The page's search (GET /api/ui/v1/search) through the server, on both backends: names by prefix
// and inside, ids and hashes by prefix, ranked exact → prefix → inside, as of any seq, and kept up
// to date as events arrive after the index was built.

interface Hit {
  kind: string;
  id: string;
  label: string;
}

for (const backend of backends()) {
  const s = suite(`the page's search index (${backend.name})`);
  s.after(() => backend.cleanup());

  async function hits(ledger: Ledger, q: string, extra: Record<string, string> = {}): Promise<Hit[]> {
    const app = createServer({ ledger, logLevel: 'silent' });
    try {
      const res = await app.inject({ url: `/api/ui/v1/search?${new URLSearchParams({ q, ...extra })}` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { hits: Hit[] }).hits;
    } finally {
      await app.close();
    }
  }

  async function sample(): Promise<{ ln: Ledger; reads: File; bam: File; sorted: File; align: Transform }> {
    const ln = await backend.fresh();
    const align = new Transform({ name: 'align-reads', version: '2' });
    let reads!: File;
    let bam!: File;
    let sorted!: File;
    await ln.run(new Transform({ name: 'ingest' }), async () => {
      reads = await ln.add(new File(Buffer.from('ACGT'), { name: 'reads.fastq' }));
    });
    await ln.run(align, async () => {
      await reads.load({ isRunInput: true });
      bam = await ln.add(new File(Buffer.from('bam'), { name: 'output.bam' }));
      sorted = await ln.add(new File(Buffer.from('sorted'), { name: 'sorted-output.bam' }));
    });
    return { ln, reads, bam, sorted, align: ln.select(Transform, { name: 'align-reads' }).one() };
  }

  s('names match by prefix and, from three letters on, inside; exact first, then prefixes, then the rest', async () => {
    const { ln, bam, sorted } = await sample();
    try {
      assert.deepEqual((await hits(ln, 'output.bam')).map((h) => h.id), [bam.id, sorted.id], 'the exact name, then the name holding it');
      assert.deepEqual((await hits(ln, 'OUTP')).map((h) => h.id), [bam.id, sorted.id], 'case does not matter');
      assert.deepEqual((await hits(ln, 'sorted')).map((h) => h.id), [sorted.id]);
      assert.deepEqual((await hits(ln, '.bam')).map((h) => h.label).sort(), ['output.bam', 'sorted-output.bam']);
      assert.deepEqual(await hits(ln, 'am'), [], 'two letters match only at the start of a name');
      assert.deepEqual(await hits(ln, 'zzz'), []);
      assert.deepEqual(await hits(ln, '   '), []);
    } finally {
      await ln.close();
    }
  });

  s('ids and content hashes match by prefix; transforms by name and "name vVERSION", runs by their transform’s name', async () => {
    const { ln, reads, align } = await sample();
    try {
      assert.deepEqual((await hits(ln, reads.hash!.slice(0, 10))).map((h) => h.id), [reads.id]);
      assert.deepEqual((await hits(ln, reads.id.slice(0, 8))).map((h) => h.id), [reads.id]);
      assert.deepEqual((await hits(ln, reads.id.slice(0, 4))).map((h) => h.id), [reads.id], 'four characters of an id find it');
      for (const short of [reads.id.slice(0, 3), reads.hash!.slice(0, 2)]) {
        const found = (await hits(ln, short)).map((h) => h.id);
        assert.ok(!found.includes(reads.id) || 'reads.fastq'.startsWith(short.toLowerCase()), `"${short}" is too short to find a record by its id or hash`);
      }
      assert.deepEqual((await hits(ln, reads.id)).map((h) => h.id), [reads.id]);
      assert.deepEqual(await hits(ln, reads.hash!.slice(5, 20)), [], 'a hash matches from its start only');
      const t = await hits(ln, 'align-reads v2');
      assert.deepEqual(t.map((h) => [h.kind, h.id]), [['transform', align.id]]);
      const all = await hits(ln, 'align');
      assert.deepEqual(all.map((h) => h.kind), ['transform', 'run'], 'the transform, then its run');
      assert.equal(all[1]!.id, align.runs[0]!.id);
    } finally {
      await ln.close();
    }
  });

  s('a search as of a seq finds only what existed then; records added after the index was built are found', async () => {
    const { ln, bam } = await sample();
    const app = createServer({ ledger: ln, logLevel: 'silent' });
    const ask = async (q: string, asOf?: number) =>
      ((await app.inject({ url: `/api/ui/v1/search?${new URLSearchParams({ q, ...(asOf === undefined ? {} : { asOf: String(asOf) }) })}` })).json() as { hits: Hit[] }).hits.map((h) => h.label);
    try {
      const before = ln.head.seq;
      assert.deepEqual(await ask('output'), ['output.bam', 'sorted-output.bam']);
      await ln.run(new Transform({ name: 'report' }), async () => {
        await bam.load({ isRunInput: true });
        await ln.add(new File(Buffer.from('summary'), { name: 'output-summary.txt' }));
      });
      assert.deepEqual(await ask('output'), ['output-summary.txt', 'output.bam', 'sorted-output.bam']);
      assert.deepEqual(await ask('output', before), ['output.bam', 'sorted-output.bam']);
      assert.deepEqual(await ask('report', before), []);
      const report = await ask('report');
      assert.equal(report.length, 2, 'the transform and its run');
      assert.equal(report[0], 'report v1');
      assert.match(report[1]!, /^\w+ of report v1$/);
      const bamCreated = ln.select(File, { name: 'output.bam' }).one();
      assert.deepEqual(await ask(bamCreated.id, 1), [], 'at seq 1 output.bam did not exist');
    } finally {
      await app.close();
      await ln.close();
    }
  });

  s('many records: the limit holds, and a one-letter query stays bounded', async () => {
    const ln = await backend.fresh();
    try {
      await ln.run(new Transform({ name: 'make' }), async () => {
        await ln.add(Array.from({ length: 300 }, (_, i) => new File(Buffer.from(`c${i}`), { name: `f${String(i).padStart(3, '0')}.txt` })));
      });
      const first = await hits(ln, 'f', { limit: '5' });
      assert.deepEqual(first.map((h) => h.label), ['f000.txt', 'f001.txt', 'f002.txt', 'f003.txt', 'f004.txt']);
      assert.equal((await hits(ln, '.txt', { limit: '200' })).length, 200);
      assert.deepEqual((await hits(ln, '299')).map((h) => h.label), ['f299.txt']);
    } finally {
      await ln.close();
    }
  });

  s.run();
}

const bench = suite('bench/search.js');

bench('runs at a tiny size and prints a figure for the index and each baseline', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('../../bench/search.js', import.meta.url)), '--events', '3000', '--calls', '3', '--scan-calls', '1'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  for (const row of ['exact file name', 'name prefix', 'inside a name', 'id prefix', 'hash prefix', 'one letter', 'no match']) {
    assert.match(r.stdout, new RegExp(`\\| ${row}[^|]* \\| [\\d.]+ (µs|ms|s) \\| [\\d.]+ (µs|ms|s) \\| [\\d.]+ (µs|ms|s) \\| \\d+× \\| [\\d.]+× \\|`), row);
  }
  assert.match(r.stdout, /index built on the first search in \d+ ms/);
  assert.match(r.stdout, /catching up with \d+ new events on the next search/);
});

bench.run();
