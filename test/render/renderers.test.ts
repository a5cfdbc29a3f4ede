import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type LineageEdge, type LineageGraph, type LineageNode, renderDot, renderMermaid, renderSvg, renderText } from 'lineage-ledger';
import { suite } from 'uvu';

// Connected lineage graphs shaped like ledger.lineage()'s: every node hangs on an earlier one by an
// edge of the right kinds (file → run input, run → file output, transform → run), labels are any text
// (control characters included).
const graphs: fc.Arbitrary<LineageGraph> = fc
  .record({
    labels: fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 14 }),
    choices: fc.array(fc.nat(), { minLength: 14, maxLength: 14 }),
    truncated: fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
    direction: fc.constantFrom('upstream' as const, 'downstream' as const, 'both' as const),
    startKind: fc.constantFrom('file' as const, 'run' as const, 'transform' as const),
  })
  .map(({ labels, choices, truncated, direction, startKind }) => {
    const nodes: LineageNode[] = [{ id: 'N0', kind: startKind, label: labels[0]!, depth: 0 }];
    const edges: LineageEdge[] = [];
    for (let i = 1; i < labels.length; i++) {
      let parent = nodes[choices[i]! % nodes.length]!;
      // Only a start transform reaches its runs through transform edges; elsewhere runs hang on files.
      if (parent.kind === 'transform' && parent.id !== 'N0') parent = nodes[0]!;
      const id = `N${i}`;
      if (parent.kind === 'file') {
        nodes.push({ id, kind: 'run', label: labels[i]!, depth: parent.depth + 1 });
        edges.push(choices[i]! % 2 ? { from: parent.id, to: id, type: 'input' } : { from: id, to: parent.id, type: 'output' });
      } else if (parent.kind === 'run' && choices[i]! % 3 === 0 && !edges.some((e) => e.type === 'transform' && e.to === parent.id)) {
        nodes.push({ id, kind: 'transform', label: labels[i]!, depth: parent.depth });
        edges.push({ from: id, to: parent.id, type: 'transform' });
      } else if (parent.kind === 'run') {
        nodes.push({ id, kind: 'file', label: labels[i]!, depth: parent.depth + 1 });
        edges.push(choices[i]! % 2 ? { from: id, to: parent.id, type: 'input' } : { from: parent.id, to: id, type: 'output' });
      } else {
        nodes.push({ id, kind: 'run', label: labels[i]!, depth: parent.depth });
        edges.push({ from: parent.id, to: id, type: 'transform' });
      }
    }
    nodes.forEach((n, i) => {
      if (truncated[i]) n.truncated = true;
    });
    return { start: 'N0', direction, nodes, edges, truncated: truncated[13]! };
  });

const r = suite('renderers of lineage graphs');

r('the text tree has a line for every file and run, and shows no control character', () => {
  fc.assert(
    fc.property(graphs, (g) => {
      const text = renderText(g);
      const lines = text.split('\n');
      for (const n of g.nodes) {
        if (n.kind === 'run') assert.ok(text.includes(`run ${n.id}`), n.id);
        if (n.kind === 'file') assert.ok(lines.some((l) => l.includes(`(file ${n.id}`)), n.id);
      }
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text), 'no control character but line ends');
      assert.equal(lines.filter((l) => l.includes('… more beyond')).length, g.nodes.filter((n) => n.truncated && (n.kind !== 'transform' || n.id === g.start)).length);
    }),
  );
});

r('Mermaid declares every node once and every edge, in statements whose labels cannot break out', () => {
  const statement = /^ {2}(classDef \w+ [^\n]+|class n\w+ start|n\w+(\[\/"[^"]*"\/\]|\("[^"]*"\)|\{\{"[^"]*"\}\}|_cut\["[^"]*"\]):::\w+|n\w+ (-->\|(input|output)\||-\.->\|run\||-\.->|-\.-) n\w+)$/;
  fc.assert(
    fc.property(graphs, (g) => {
      const lines = renderMermaid(g).trimEnd().split('\n');
      assert.equal(lines[0], 'flowchart LR');
      for (const l of lines.slice(1)) assert.match(l, statement);
      for (const n of g.nodes) assert.equal(lines.filter((l) => new RegExp(`^  n${n.id}[\\[({]`).test(l)).length, 1, n.id);
      for (const e of g.edges) assert.ok(lines.includes(`  n${e.from} ${e.type === 'transform' ? '-.->|run|' : `-->|${e.type}|`} n${e.to}`));
      assert.equal(lines.filter((l) => l.includes('_cut[')).length, g.nodes.filter((n) => n.truncated).length);
    }),
  );
});

r('DOT laid out by Graphviz gives well-formed SVG with one element per node, of its kind', async () => {
  const parser = new XMLParser({ ignoreAttributes: false });
  await fc.assert(
    fc.asyncProperty(graphs, async (g) => {
      const dot = renderDot(g);
      for (const e of g.edges) assert.ok(dot.includes(`  "${e.from}" -> "${e.to}" [id="edge-${e.from}-${e.to}-${e.type}"`));
      const svg = await renderSvg(g);
      assert.equal(XMLValidator.validate(svg), true);
      const classes: string[] = [];
      const walk = (x: unknown): void => {
        if (Array.isArray(x)) return x.forEach(walk);
        if (x === null || typeof x !== 'object') return;
        const o = x as Record<string, unknown>;
        if (typeof o['@_class'] === 'string') classes.push(o['@_class']);
        for (const [k, v] of Object.entries(o)) if (!k.startsWith('@_')) walk(v);
      };
      walk(parser.parse(svg));
      for (const kind of ['file', 'run', 'transform'] as const) {
        assert.equal(classes.filter((c) => c === `node ${kind}`).length, g.nodes.filter((n) => n.kind === kind).length, kind);
      }
      assert.equal(classes.filter((c) => c === 'node cut').length, g.nodes.filter((n) => n.truncated).length);
    }),
    { numRuns: 40 },
  );
});

r.run();
