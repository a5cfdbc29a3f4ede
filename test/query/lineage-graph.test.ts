import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import { File, type Ledger, type LineageGraph, Transform } from 'lineage-ledger';
import { backends, onFreshLedger } from '../helpers.js';

/** A chain of `n` runs of one transform, each reading the file the one before wrote; returns the files, first to last. */
async function chain(ln: Ledger, n: number): Promise<File[]> {
  const t = new Transform({ name: 'step', version: '1' });
  await ln.track(t);
  const files = [await ln.add(new File(Buffer.from('f0'), { name: 'f0.txt' }))];
  for (let i = 1; i <= n; i++) {
    await ln.track(t);
    await files[i - 1]!.load({ isRunInput: true });
    files.push(await ln.add(new File(Buffer.from(`f${i}`), { name: `f${i}.txt` })));
  }
  await ln.finish();
  return files;
}

/** The graph as plain data, through JSON. */
const plain = (g: LineageGraph): unknown => JSON.parse(JSON.stringify(g));

// Lineage is computed from the projection, the same over every store: the two LevelDB backends.
for (const backend of backends().filter((b) => b.name !== 'postgres')) {
  const test = suite(`lineage() graphs on ${backend.name}`);
  const it = onFreshLedger(test, backend);

  it('a large graph reads as plain data: JSON, spreading, its keys and deep equality all see its nodes and edges', async (ln) => {
    const files = await chain(ln, 40);
    const g = ln.lineage(files[40]!, { direction: 'upstream' });
    assert.deepEqual(Object.keys(g), ['start', 'direction', 'nodes', 'edges', 'truncated']);
    assert.equal(Object.getPrototypeOf(g), Object.prototype);
    const data = plain(ln.lineage(files[40]!, { direction: 'upstream' })) as LineageGraph;
    assert.equal(data.nodes.length, 83, '41 files, the 41 runs that wrote them, their transform');
    assert.equal(data.edges.length, 122, '40 inputs, 41 outputs, 41 transform edges');
    assert.deepEqual({ ...g }, data);
    assert.deepEqual(g, data);
    assert.deepEqual(plain(g), data);
    assert.deepEqual(structuredClone(ln.lineage(files[40]!, { direction: 'upstream' })), data);
    assert.ok(Array.isArray(g.nodes) && Array.isArray(g.edges));
    assert.equal(g.nodes, g.nodes, 'the same list on each read');
  });

  it('a large graph read after other lineage() calls has the nodes and edges it would have had if read at once', async (ln) => {
    const files = await chain(ln, 40);
    const expected = plain(ln.lineage(files[40]!, { direction: 'both' }));
    const later = ln.lineage(files[40]!, { direction: 'both' });
    // Other traversals in between, large and small, from other starts and in other directions.
    const other = ln.lineage(files[0]!, { direction: 'downstream' });
    ln.lineage(files[3]!, { direction: 'upstream', depth: 1 });
    const edgesFirst = ln.lineage(files[20]!, { direction: 'both', maxNodes: 70 });
    assert.deepEqual(later.edges, (expected as LineageGraph).edges);
    assert.equal(other.nodes.length, 82, 'downstream of the first file: all but the run that wrote it');
    assert.deepEqual(later.nodes, (expected as LineageGraph).nodes);
    assert.equal(edgesFirst.truncated, true);
    assert.deepEqual(plain(edgesFirst), plain(ln.lineage(files[20]!, { direction: 'both', maxNodes: 70 })));
  });

  it('a graph taken before more events were appended describes the ledger as it was when lineage() was called', async (ln) => {
    const files = await chain(ln, 40);
    const seq = ln.head.seq;
    const g = ln.lineage(files[0]!, { direction: 'downstream' });
    // After the call: a run reads the last file and writes another, and a file of the graph goes to the trash.
    await ln.track(new Transform({ name: 'more' }));
    await files[40]!.load({ isRunInput: true });
    await ln.add(new File(Buffer.from('after'), { name: 'after.txt' }));
    await ln.finish();
    await files[10]!.delete();
    ln.lineage(files[40]!, { direction: 'both' });
    assert.ok(ln.lineage(files[0]!, { direction: 'downstream' }).nodes.some((n) => n.label === 'after.txt'));
    assert.deepEqual(plain(g), plain(ln.asOf(seq).lineage(files[0]!, { direction: 'downstream' })));
    assert.ok(!g.nodes.some((n) => n.label === 'after.txt' || n.trashed));
  });

  it("a large graph's nodes, edges and truncated flag can be changed and replaced as a plain object's can", async (ln) => {
    const files = await chain(ln, 40);
    const g = ln.lineage(files[40]!, { direction: 'upstream' });
    g.nodes.push({ id: 'x', kind: 'file', label: 'x', depth: 99 });
    assert.equal(g.nodes.length, 84);
    assert.equal(g.nodes[83]!.id, 'x');
    g.edges = [];
    assert.deepEqual(g.edges, []);
    g.truncated = true;
    assert.equal(JSON.parse(JSON.stringify(g)).truncated, true);
    const h = ln.lineage(files[40]!, { direction: 'upstream' });
    h.nodes = [];
    assert.deepEqual(h.nodes, []);
    assert.equal(h.edges.length, 122, 'replacing one list leaves the other as found');
  });

  it('a printed graph shows its nodes and edges, read or not', async (ln) => {
    const files = await chain(ln, 40);
    const shown = inspect(ln.lineage(files[40]!, { direction: 'upstream' }), { depth: 3 });
    assert.ok(!shown.includes('Getter'), shown.slice(0, 200));
    assert.ok(shown.includes("label: 'f0.txt'"));
    assert.ok(shown.includes("type: 'transform'"));
  });

  test.run();
}
