import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { File, type LineageGraph, open, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { demoLedger, hasAnsi, lineage, lineageOnTerminal } from './run-cli.js';

interface Ctx {
  db: string;
  cleanup: () => void;
}

const cli = suite<Ctx>('lineage CLI on a demo ledger');

cli.before((ctx) => {
  Object.assign(ctx, demoLedger());
});
cli.after((ctx) => ctx.cleanup());

// The graph the library computes for the same query, read after the CLI has released the ledger.
async function libraryGraph(db: string, name: string, direction: 'upstream' | 'downstream' | 'both', depth?: number): Promise<LineageGraph> {
  const ln = await open(db);
  try {
    return ln.lineage(ln.select(File, { name }).one(), { direction, depth });
  } finally {
    await ln.close();
  }
}

function json<T = Record<string, unknown>>(out: string): T {
  return JSON.parse(out) as T;
}

cli('demo prints where output.bam came from, as a tree', () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = lineage(['--db', join(dir, 'd'), 'demo']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Where did output\.bam come from\?/);
    assert.match(r.stdout, /^output\.bam \(file \w+, 507 B, sha256 [0-9a-f]{12}\)$/m);
    assert.match(r.stdout, /produced by run \w+ of Cell Ranger v7, completed in \d+ ms, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    assert.match(r.stdout, /input input\.fastq\.gz/);
    assert.match(r.stdout, /made by Cell Ranger v7 \(pipeline\) from input\.fastq\.gz/);
    assert.doesNotMatch(r.stdout, /completed \d{4}-/, 'a status is never followed by the start time as if it were the end');
  } finally {
    cleanup();
  }
});

cli('stats --json counts records and events and measures the folder on disk', (ctx) => {
  const r = lineage(['--db', ctx.db, 'stats', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = json<{ events: number; head: { seq: number; hash: string }; transforms: number; runs: number; files: number; eventsByType: Record<string, number>; sizeOnDisk: { total: number; log: number; objects: number } }>(r.stdout);
  assert.equal(s.transforms, 3);
  assert.equal(s.runs, 3);
  assert.equal(s.files, 3);
  assert.equal(s.head.seq, s.events);
  assert.match(s.head.hash, /^[0-9a-f]{64}$/);
  assert.equal(Object.values(s.eventsByType).reduce((a, b) => a + b, 0), s.events);
  assert.ok(s.sizeOnDisk.log > 0 && s.sizeOnDisk.total >= s.sizeOnDisk.log + s.sizeOnDisk.objects);
});

cli('stats prints a table with the size on disk', (ctx) => {
  const r = lineage(['--db', ctx.db, 'stats']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^size on disk\s+\d+(\.\d)? (B|KiB|MiB) \(log /m);
  assert.match(r.stdout, /^file\.loaded_as_input\s+1$/m);
});

cli('the ledger path comes from LINEAGE_DB when --db is absent', (ctx) => {
  const r = lineage(['stats', '--json'], { LINEAGE_DB: ctx.db });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(json(r.stdout).path, ctx.db);
});

cli('reading commands never create a ledger: a missing one is LEDGER_NOT_FOUND, exit 1', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const args of [['stats'], ['show', 'output.bam'], ['graph', 'output.bam']]) {
      const r = lineage(args, {}, dir);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /^lineage: error LEDGER_NOT_FOUND: no ledger at .*\.lineage/);
    }
    assert.equal(existsSync(join(dir, '.lineage')), false);
  } finally {
    cleanup();
  }
});

cli('show --json prints a file with its relations', (ctx) => {
  const r = lineage(['--db', ctx.db, 'show', 'output.bam', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const f = json<{ kind: string; name: string; size: number; hash: string; relations: { run: { id: string }; transform: { name: string }; inputOf: unknown[] } }>(r.stdout);
  assert.equal(f.kind, 'file');
  assert.equal(f.name, 'output.bam');
  assert.equal(f.size, 507);
  assert.equal(f.relations.transform.name, 'Cell Ranger v7');
  assert.deepEqual(f.relations.inputOf, []);

  const run = lineage(['--db', ctx.db, 'show', f.relations.run.id, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const rj = json<{ kind: string; status: string; relations: { inputs: { name: string }[]; outputs: { name: string }[] } }>(run.stdout);
  assert.equal(rj.kind, 'run');
  assert.equal(rj.status, 'completed');
  assert.deepEqual(rj.relations.inputs.map((x) => x.name), ['input.fastq.gz']);
  assert.deepEqual(rj.relations.outputs.map((x) => x.name), ['output.bam']);
});

cli('show prints a table of fields and relations', (ctx) => {
  const r = lineage(['--db', ctx.db, 'show', 'input.fastq.gz']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^file input\.fastq\.gz$/m);
  assert.match(r.stdout, /^ {2}hash\s+sha256:[0-9a-f]{64}$/m);
  assert.match(r.stdout, /^ {2}read by\s+run \w+ of Cell Ranger v7, completed/m);
  const t = lineage(['--db', ctx.db, 'show', 'Cell Ranger']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^transform Cell Ranger v7$/m);
  assert.match(t.stdout, /^ {2}type\s+pipeline$/m);
});

cli('show --as-of sees the ledger as it was: before output.bam existed it is not found', (ctx) => {
  const head = json<{ events: number }>(lineage(['--db', ctx.db, 'stats', '--json']).stdout).events;
  const now = lineage(['--db', ctx.db, 'show', 'output.bam', '--as-of', String(head), '--json']);
  assert.equal(now.status, 0, now.stderr);
  assert.equal(json(now.stdout).seq, head);
  const before = lineage(['--db', ctx.db, 'show', 'output.bam', '--as-of', '3']);
  assert.equal(before.status, 1);
  assert.match(before.stderr, /FILE_NOT_FOUND/);
  const byTime = lineage(['--db', ctx.db, 'show', 'output.bam', '--as-of', new Date(Date.now() + 60_000).toISOString(), '--json']);
  assert.equal(byTime.status, 0, byTime.stderr);
  assert.equal(json(byTime.stdout).seq, head);
  const graphBefore = lineage(['--db', ctx.db, 'graph', 'input.fastq.gz', '--direction', 'down', '--as-of', String(head - 3), '--format', 'json']);
  assert.equal(graphBefore.status, 0, graphBefore.stderr);
  assert.ok(!json<LineageGraph>(graphBefore.stdout).nodes.some((n) => n.label === 'output.bam'), 'the graph as of an earlier seq lacks what came later');
  for (const bad of ['yesterday', '0', String(head + 1)]) {
    const r = lineage(['--db', ctx.db, 'show', 'output.bam', '--as-of', bad]);
    assert.equal(r.status, 2, `--as-of ${bad}`);
    assert.match(r.stderr, bad === "yesterday" ? /INVALID_ARGUMENT/ : /OUT_OF_RANGE/);
  }
});

cli('an unknown name is a "no" answer: exit 1 with the error code on stderr', (ctx) => {
  for (const cmd of ['show', 'graph']) {
    const r = lineage(['--db', ctx.db, cmd, 'no-such-file.txt']);
    assert.equal(r.status, 1, cmd);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^lineage: error FILE_NOT_FOUND: /);
  }
});

cli('bad usage exits 2: unknown flag, unknown command, bad option values, a missing argument', (ctx) => {
  const cases = [
    ['stats', '--bogus'],
    ['show', 'output.bam', '--bogus'],
    ['graph', 'output.bam', '--bogus'],
    ['frobnicate'],
    ['graph', 'output.bam', '--direction', 'sideways'],
    ['graph', 'output.bam', '--format', 'png'],
    ['graph', 'output.bam', '--depth', '-1'],
    ['graph', 'output.bam', '--depth', 'two'],
    ['graph', 'output.bam', '--max-nodes', '0'],
    ['show'],
  ];
  for (const args of cases) {
    const r = lineage(['--db', ctx.db, ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.notEqual(r.stderr, '', args.join(' '));
  }
});

cli('--help lists every command, and each command its options with examples', () => {
  const top = lineage(['--help']);
  assert.equal(top.status, 0);
  for (const c of ['demo', 'stats', 'show', 'graph']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'));
  assert.match(top.stdout, /Examples:/);
  for (const [c, opts] of [
    ['show', ['--as-of', '--json']],
    ['graph', ['--direction', '--depth', '--max-nodes', '--format', '--output', '--as-of']],
    ['stats', ['--json']],
    ['demo', ['--json']],
  ] as const) {
    const r = lineage([c, '--help']);
    assert.equal(r.status, 0, c);
    for (const o of opts) assert.ok(r.stdout.includes(o), `${c} --help mentions ${o}`);
    assert.match(r.stdout, new RegExp(`Examples:\\n {2}lineage ${c}`), c);
  }
});

cli('a name that several files share lists their ids and asks for one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'l');
    const ln = await open(db);
    await ln.track(new Transform({ name: 'maker' }));
    const a = await ln.add(new File(Buffer.from('one'), { name: 'same.csv' }));
    const b = await ln.add(new File(Buffer.from('two'), { name: 'same.csv' }));
    await ln.close();
    const r = lineage(['--db', db, 'show', 'same.csv']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /QUERY_NOT_ONE/);
    assert.ok(r.stderr.includes(a.id) && r.stderr.includes(b.id), r.stderr);
    const byId = lineage(['--db', db, 'show', b.id, '--json']);
    assert.equal(byId.status, 0, byId.stderr);
    assert.equal(json(byId.stdout).id, b.id);
  } finally {
    cleanup();
  }
});

cli('graph --format json is ledger.lineage() for the same query', async (ctx) => {
  for (const [dir, direction, name, depth] of [
    ['up', 'upstream', 'output.bam', undefined],
    ['down', 'downstream', 'input.fastq.gz', undefined],
    ['both', 'both', 'input.fastq.gz', 1],
  ] as const) {
    const args = ['--db', ctx.db, 'graph', name, '--direction', dir, '--format', 'json', ...(depth === undefined ? [] : ['--depth', String(depth)])];
    const r = lineage(args);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(json(r.stdout), await libraryGraph(ctx.db, name, direction, depth));
  }
});

cli('graph --format mermaid declares every node by kind and draws every edge with its label', async (ctx) => {
  const g = await libraryGraph(ctx.db, 'output.bam', 'upstream');
  const r = lineage(['--db', ctx.db, 'graph', 'output.bam', '--format', 'mermaid']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^flowchart LR\n/);
  const shapes = { file: /\[\/".*"\/\]/, run: /\(".*"\)/, transform: /\{\{".*"\}\}/ };
  for (const n of g.nodes) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`  n${n.id}[`) || l.startsWith(`  n${n.id}(`) || l.startsWith(`  n${n.id}{`));
    assert.ok(line, `node ${n.id} is declared`);
    assert.match(line!, shapes[n.kind]);
    assert.ok(line!.endsWith(`:::${n.kind}`), line);
  }
  for (const e of g.edges) {
    const arrow = e.type === 'transform' ? '-.->|run|' : `-->|${e.type}|`;
    assert.ok(r.stdout.includes(`  n${e.from} ${arrow} n${e.to}\n`), `edge ${e.from} ${e.type} ${e.to}`);
  }
});

cli('graph --format dot has every node with its kind and every edge with its label', async (ctx) => {
  const g = await libraryGraph(ctx.db, 'input.fastq.gz', 'both');
  const r = lineage(['--db', ctx.db, 'graph', 'input.fastq.gz', '--direction', 'both', '--format', 'dot']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^digraph lineage \{\n[\s\S]*\}\n$/);
  for (const n of g.nodes) assert.ok(r.stdout.includes(`  "${n.id}" [id="node-${n.id}", class="${n.kind}"`), `node ${n.id}`);
  for (const e of g.edges) {
    const label = e.type === 'transform' ? 'run' : e.type;
    assert.ok(r.stdout.includes(`  "${e.from}" -> "${e.to}" [id="edge-${e.from}-${e.to}-${e.type}", class="${e.type}", label="${label}"`), `edge ${e.from} ${e.type} ${e.to}`);
  }
});

// Every <g> element of a parsed SVG with its class and id, depth first.
function groups(node: unknown, out: { id: string; cls: string; text: string }[] = []): { id: string; cls: string; text: string }[] {
  if (Array.isArray(node)) {
    for (const x of node) groups(x, out);
    return out;
  }
  if (node === null || typeof node !== 'object') return out;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'g') {
      for (const g of Array.isArray(v) ? v : [v]) {
        const o = g as Record<string, unknown>;
        out.push({ id: String(o['@_id'] ?? ''), cls: String(o['@_class'] ?? ''), text: JSON.stringify(o) });
      }
    }
    if (!k.startsWith('@_')) groups(v, out);
  }
  return out;
}

cli('graph --format svg is XML with one node element per node of the graph, of its kind', async (ctx) => {
  const g = await libraryGraph(ctx.db, 'output.bam', 'upstream');
  const r = lineage(['--db', ctx.db, 'graph', 'output.bam', '--format', 'svg']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(XMLValidator.validate(r.stdout), true);
  const nodes = groups(new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(r.stdout)).filter((x) => /^node /.test(x.cls));
  assert.equal(nodes.length, g.nodes.length);
  for (const n of g.nodes) {
    const el = nodes.find((x) => x.id === `node-${n.id}`);
    assert.ok(el, `svg has node-${n.id}`);
    assert.equal(el!.cls, `node ${n.kind}`);
  }
});

cli('a depth cut is shown as such in every format', (ctx) => {
  const args = ['--db', ctx.db, 'graph', 'output.bam', '--depth', '1'];
  assert.match(lineage(args).stdout, /… more beyond the depth limit/);
  assert.match(lineage([...args, '--format', 'mermaid']).stdout, /_cut\["… more upstream \(depth limit\)"\]:::cut/);
  assert.match(lineage([...args, '--format', 'dot']).stdout, /class="cut", label="… more upstream \(depth limit\)"/);
  assert.match(lineage([...args, '--format', 'svg']).stdout, /class="node cut"/);
  assert.equal(json<LineageGraph>(lineage([...args, '--format', 'json']).stdout).nodes.filter((n) => n.truncated).length, 1);
});

cli('graph -o writes the file and says so on stderr, leaving stdout empty', (ctx) => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'lineage.html');
    const r = lineage(['--db', ctx.db, 'graph', 'output.bam', '--format', 'html', '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^wrote .*lineage\.html \(\d/);
    assert.ok(existsSync(out));
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing is loaded from elsewhere');
  } finally {
    cleanup();
  }
});

cli('colours appear on a terminal, and never with NO_COLOR or through a pipe', (ctx) => {
  const args = ['--db', ctx.db, 'graph', 'output.bam'];
  const tty = lineageOnTerminal(args);
  assert.equal(tty.status, 0, tty.stdout);
  assert.ok(hasAnsi(tty.stdout), 'coloured on a terminal');
  const noColor = lineageOnTerminal(args, { NO_COLOR: '1' });
  assert.equal(noColor.status, 0, noColor.stdout);
  assert.ok(!hasAnsi(noColor.stdout), 'NO_COLOR turns colours off');
  assert.match(noColor.stdout, /output\.bam/);
  for (const cmd of [['graph', 'output.bam'], ['show', 'output.bam'], ['stats'], ['show', 'nothing-here']]) {
    const r = lineage(['--db', ctx.db, ...cmd]);
    assert.ok(!hasAnsi(r.stdout) && !hasAnsi(r.stderr), `${cmd.join(' ')} through a pipe`);
  }
});

cli.run();
