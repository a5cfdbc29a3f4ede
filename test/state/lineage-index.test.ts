import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import type { LedgerEvent } from '../../lib/events/types.js';
import { type Direction, lineage, type LineageEdge, type LineageGraph, type LineageNode, type NodeKind } from '../../lib/query/lineage.js';
import { Projection } from '../../lib/state/projection.js';
import { View } from '../../lib/state/view.js';
import { event, reloaded } from './projections.js';

type Op =
  | { op: 'transform' }
  | { op: 'run'; t: number; parent: number | null; named: boolean }
  | { op: 'file'; r: number | null }
  | { op: 'recreate'; f: number; r: number }
  | { op: 'load'; f: number; r: number }
  | { op: 'finish'; r: number };

const pick = fc.nat({ max: 40 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ op: 'transform' as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('run' as const), t: pick, parent: fc.option(pick), named: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('file' as const), r: fc.option(pick) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('recreate' as const), f: pick, r: pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('load' as const), f: pick, r: pick }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('finish' as const), r: pick }), weight: 1 },
);

/** The events a list of operations makes, each referring only to entities made before it. */
function eventsOf(ops: Op[]): LedgerEvent[] {
  const t: string[] = [];
  const r: string[] = [];
  const f: string[] = [];
  const events: LedgerEvent[] = [];
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const push = (e: Pick<LedgerEvent, 'type' | 'data'>) => {
    const seq = events.length + 1;
    events.push({ ...e, seq, v: 1, at: at(seq), prev: '', hash: String(seq) } as LedgerEvent);
  };
  for (const o of ops) {
    if (o.op === 'transform' || t.length === 0) {
      const id = `t${t.length}`;
      t.push(id);
      push({ type: 'transform.registered', data: { id, name: `T${t.length % 3}`, version: String(t.length % 2), type: 'script' } });
    }
    if (o.op === 'run') {
      const id = `r${r.length}`;
      const parentRunId = o.parent !== null && r.length ? r[o.parent % r.length] : undefined;
      push({ type: 'run.started', data: { id, transformId: t[o.t % t.length]!, startedAt: at(0), ...(o.named ? { name: `run ${id}` } : {}), ...(parentRunId ? { parentRunId } : {}) } });
      r.push(id);
    } else if (o.op === 'file') {
      const id = `f${f.length}`;
      const runId = o.r !== null && r.length ? r[o.r % r.length] : undefined;
      push({ type: 'file.created', data: { id, name: `F${f.length % 5}.csv`, suffix: '.csv', ...(runId ? { runId } : {}) } });
      f.push(id);
    } else if (o.op === 'recreate' && f.length && r.length) {
      push({ type: 'file.recreated', data: { fileId: f[o.f % f.length]!, runId: r[o.r % r.length]! } });
    } else if (o.op === 'load' && f.length && r.length) {
      push({ type: 'file.loaded_as_input', data: { fileId: f[o.f % f.length]!, runId: r[o.r % r.length]! } });
    } else if (o.op === 'finish' && r.length) {
      push({ type: 'run.finished', data: { runId: r[o.r % r.length]!, status: 'completed', finishedAt: at(1) } });
    }
  }
  return events;
}

/** The relations of the events up to `w`, by the naive reading of the log. */
function naive(events: LedgerEvent[], w: number) {
  const rel = { inputs: new Map<string, string[]>(), outputs: new Map<string, string[]>(), consumers: new Map<string, string[]>(), producers: new Map<string, string[]>(), runs: new Map<string, string[]>(), children: new Map<string, string[]>() };
  const add = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const e of events) {
    if (e.seq > w) break;
    if (e.type === 'run.started') {
      add(rel.runs, e.data.transformId, e.data.id);
      if (e.data.parentRunId) add(rel.children, e.data.parentRunId, e.data.id);
    } else if (e.type === 'file.created' && e.data.runId) {
      add(rel.outputs, e.data.runId, e.data.id);
      add(rel.producers, e.data.id, e.data.runId);
    } else if (e.type === 'file.recreated') {
      add(rel.outputs, e.data.runId, e.data.fileId);
      add(rel.producers, e.data.fileId, e.data.runId);
    } else if (e.type === 'file.loaded_as_input') {
      add(rel.inputs, e.data.runId, e.data.fileId);
      add(rel.consumers, e.data.fileId, e.data.runId);
    }
  }
  return rel;
}

/** The lineage traversal as first written, over the view's id lists: the reference. */
function reference(view: View, kind: NodeKind, id: string, direction: Direction, maxDepth: number, maxNodes: number, withTransforms: boolean): LineageGraph {
  const up = direction !== 'downstream';
  const down = direction !== 'upstream';
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const edgeKeys = new Set<string>();
  let truncated = false;
  const addEdge = (from: string, to: string, type: LineageEdge['type']) => {
    const k = `${from} ${to} ${type}`;
    if (!edgeKeys.has(k)) (edgeKeys.add(k), edges.push({ from, to, type }));
  };
  const addNode = (nid: string, nkind: NodeKind, depth: number): boolean => {
    if (nodes.has(nid)) return false;
    if (nodes.size >= maxNodes) return ((truncated = true), false);
    if (nkind === 'run') {
      const row = view.run(nid);
      nodes.set(nid, { id: nid, kind: nkind, label: row ? (row.name ?? view.transform(row.transformId)?.name ?? nid) : nid, depth });
      const t = row?.transformId;
      if (withTransforms && t && (nodes.has(t) || addNode(t, 'transform', depth))) addEdge(t, nid, 'transform');
    } else if (nkind === 'file') {
      nodes.set(nid, { id: nid, kind: nkind, label: view.file(nid)?.name ?? nid, depth });
    } else {
      const t = view.transform(nid);
      nodes.set(nid, { id: nid, kind: nkind, label: t ? `${t.name}${t.version ? ` v${t.version}` : ''}` : nid, depth });
    }
    return true;
  };
  let frontier: { id: string; kind: 'file' | 'run' }[] = [];
  if (kind === 'transform') {
    addNode(id, 'transform', 0);
    for (const r of view.runsOf(id)) {
      if (addNode(r, 'run', 0)) addEdge(id, r, 'transform');
      if (nodes.has(r)) frontier.push({ id: r, kind: 'run' });
      // A run the node limit kept out marks its transform as cut short (issue 6's fix).
      else nodes.get(id)!.truncated = true;
    }
  } else {
    addNode(id, kind, 0);
    frontier = [{ id, kind }];
  }
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const n of frontier) {
      const hop = (x: string, xkind: 'file' | 'run', from: string, to: string, type: 'input' | 'output') => {
        if (depth > maxDepth) {
          if (nodes.has(x)) addEdge(from, to, type);
          else nodes.get(n.id)!.truncated = true;
          return;
        }
        const isNew = addNode(x, xkind, depth);
        if (!isNew && !nodes.has(x)) return void (nodes.get(n.id)!.truncated = true);
        addEdge(from, to, type);
        if (isNew) next.push({ id: x, kind: xkind });
      };
      if (n.kind === 'file') {
        if (up) for (const r of view.producersOf(n.id)) hop(r, 'run', r, n.id, 'output');
        if (down) for (const r of view.consumersOf(n.id)) hop(r, 'run', n.id, r, 'input');
      } else {
        if (up) for (const f of view.inputsOf(n.id)) hop(f, 'file', f, n.id, 'input');
        if (down) for (const f of view.outputsOf(n.id)) hop(f, 'file', n.id, f, 'output');
      }
    }
    frontier = next;
  }
  return { start: id, direction, nodes: [...nodes.values()], edges, truncated };
}

const unique = (xs: string[] = []) => [...new Set(xs)];

test('the integer index answers every relation as the naive reading of the log does, at every watermark', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.nat(), (ops, at) => {
      const events = eventsOf(ops);
      const p = new Projection();
      for (const e of events) p.apply(e);
      const w = at % (events.length + 1);
      const view = new View(p, w);
      const rel = naive(events, w);
      for (const r of view.runIds()) {
        assert.equal(view.inputsOf(r), rel.inputs.get(r) ?? []);
        assert.equal(view.outputsOf(r), unique(rel.outputs.get(r)));
        assert.equal(view.childrenOf(r), rel.children.get(r) ?? []);
        for (const f of view.fileIds()) {
          assert.is(view.isInputOf(f, r), (rel.inputs.get(r) ?? []).includes(f));
          assert.is(view.isOutputOf(f, r), (rel.outputs.get(r) ?? []).includes(f));
        }
      }
      for (const f of view.fileIds()) {
        assert.equal(view.consumersOf(f), unique(rel.consumers.get(f)));
        assert.equal(view.producersOf(f), rel.producers.get(f) ?? []);
      }
      for (const t of view.transformIds()) assert.equal(view.runsOf(t), rel.runs.get(t) ?? []);
      assert.equal(view.inputsOf('no such run'), []);
    }),
    { numRuns: 300 },
  );
});

test('lineage over the integer index equals the reference traversal on random graphs, at random watermarks, and after a checkpoint', () => {
  const directions: Direction[] = ['upstream', 'downstream', 'both'];
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 1, maxLength: 80 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(...directions),
      fc.option(fc.nat({ max: 6 })),
      fc.option(fc.integer({ min: 1, max: 30 })),
      fc.boolean(),
      fc.boolean(),
      (ops, at, which, direction, depth, maxNodes, transforms, reload) => {
        const events = eventsOf(ops);
        let p = new Projection();
        for (const e of events) p.apply(e);
        if (reload) p = reloaded(p);
        const w = 1 + (at % events.length);
        const view = new View(p, w);
        const starts = [...view.fileIds().map((id) => ['file', id] as const), ...view.runIds().map((id) => ['run', id] as const), ...view.transformIds().map((id) => ['transform', id] as const)];
        const [kind, id] = starts[which % starts.length]!;
        const options = { direction, ...(depth !== null ? { depth } : {}), ...(maxNodes !== null ? { maxNodes } : {}), transforms };
        const expected = reference(view, kind, id, direction, depth ?? Infinity, maxNodes ?? 10_000, transforms);
        assert.equal(lineage(view, kind, id, options), expected);
        // The same start on a live view of the whole log.
        const live = new View(p);
        assert.equal(lineage(live, kind, id, options), reference(live, kind, id, direction, depth ?? Infinity, maxNodes ?? 10_000, transforms));
      },
    ),
    { numRuns: 400 },
  );
});

test('a checkpoint keeps relations to ids that no event created, and the watermark of every edge', () => {
  const p = new Projection();
  p.apply(event(1, 'transform.registered', { id: 't', name: 'T', version: '1', type: 'script' }));
  p.apply(event(2, 'run.started', { id: 'r', transformId: 't', startedAt: '2026-01-01T00:00:00.000Z' }));
  p.apply(event(3, 'file.loaded_as_input', { fileId: 'ghost', runId: 'r' }));
  p.apply(event(4, 'file.created', { id: 'f', name: 'f.csv', suffix: '.csv', runId: 'r' }));
  p.apply(event(5, 'file.loaded_as_input', { fileId: 'f', runId: 'r' }));
  const q = reloaded(p);
  for (const [w, inputs] of [[2, []], [3, ['ghost']], [5, ['ghost', 'f']]] as const) {
    assert.equal(new View(q, w).inputsOf('r'), inputs);
    assert.equal(new View(q, w).inputsOf('r'), new View(p, w).inputsOf('r'));
  }
  assert.equal(new View(q).consumersOf('ghost'), ['r']);
  assert.equal(new View(q).producersOf('f'), ['r']);
  assert.equal(new View(q, 3).producersOf('f'), []);
});

test.run();
