import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { suite } from 'uvu';
import { HOSTILE, hasAnsi, hostileLedger, lineage } from './run-cli.js';

interface Ctx {
  db: string;
  cleanup: () => void;
}

const hostile = suite<Ctx>('names with quotes, markup and escapes');

hostile.before(async (ctx) => {
  Object.assign(ctx, await hostileLedger());
});
hostile.after((ctx) => ctx.cleanup());

const graph = (ctx: Ctx, format: string) => lineage(['--db', ctx.db, 'graph', HOSTILE.output, '--format', format]);

hostile('the SVG stays well-formed XML and carries the names as text', (ctx) => {
  const r = graph(ctx, 'svg');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(XMLValidator.validate(r.stdout), true);
  const text = JSON.stringify(new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(r.stdout));
  for (const name of [HOSTILE.input, HOSTILE.output]) assert.ok(text.includes(JSON.stringify(name).slice(1, -1)), name);
  assert.ok(!r.stdout.includes('<script'), 'no markup from a name survives');
});

hostile('every Mermaid statement keeps its shape: labels never end early or open markup', (ctx) => {
  const r = graph(ctx, 'mermaid');
  assert.equal(r.status, 0, r.stderr);
  const statement = /^ {2}(classDef \w+ [^\n]+|class n\w+ start|n\w+(\[\/"[^"]*"\/\]|\("[^"]*"\)|\{\{"[^"]*"\}\}|_cut\["[^"]*"\]):::\w+|n\w+ (-->\|(input|output)\||-\.->\|run\||-\.->|-\.-) n\w+)$/;
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  for (const l of lines.slice(1)) {
    assert.match(l, statement);
    assert.ok(!/<(?!br>)/.test(l), `only <br> as markup: ${l}`);
  }
  assert.ok(r.stdout.includes('Evil #34;T#34; #60;script#62;'), 'quotes and angle brackets become entity codes');
});

hostile('DOT strings escape quotes, backslashes and ampersands', (ctx) => {
  const r = graph(ctx, 'dot');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes('label="Evil \\"T\\" <script>alert(1)</script> &amp; co #35; `x` \\\\N [a]{b}|c v<2>\\npipeline"'), r.stdout);
});

hostile('the text tree and show print names without obeying their escape sequences', (ctx) => {
  const t = lineage(['--db', ctx.db, 'graph', HOSTILE.output]);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(t.stdout.includes(HOSTILE.output));
  const runId = /run (\w+) of/.exec(t.stdout)![1]!;
  const s = lineage(['--db', ctx.db, 'show', runId]);
  assert.equal(s.status, 0, s.stderr);
  assert.ok(!hasAnsi(s.stdout), 'an escape sequence in params is shown, not sent to the terminal');
  assert.match(s.stdout, /params\s+\{"lines":"one\\ntwo\\u001b\[31m","note":"<\/script><script>window\.pwned = 1<\/script>"\}/);
});

hostile.run();
