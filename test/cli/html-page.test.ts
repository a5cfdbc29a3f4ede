import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { File, type LineageGraph, open } from 'lineage-ledger';
import { type Browser, chromium, type Page } from 'playwright-core';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { findBrowser } from '../support/browser.js';
import { requiring } from '../support/requirement.js';
import { demoLedger, HOSTILE, hostileLedger, lineage } from './run-cli.js';

// A browser on this machine (.ci/run installs Debian's chromium); Playwright never downloads one here.
const BROWSER = findBrowser();
const MERMAID = fileURLToPath(new URL('../../../node_modules/mermaid/dist/mermaid.min.js', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Ctx {
  browser: Browser;
  /** Why there is no browser (under CI, where a missing one is a failure). */
  failure?: unknown;
  out: string;
  cleanups: (() => void)[];
}

const page = requiring(suite<Ctx>('lineage pictures in headless Chromium'), BROWSER.missing);

page.before(async (ctx) => {
  const tmp = tempDir('lineage-html-');
  ctx.out = tmp.dir;
  ctx.cleanups = [tmp.cleanup];
  try {
    if (!BROWSER.path) throw new Error(`${BROWSER.missing} (required under CI)`);
    ctx.browser = await chromium.launch({ executablePath: BROWSER.path, args: ARGS });
  } catch (err) {
    ctx.failure = err;
  }
});
// uvu swallows an error thrown by a before hook: each test reports it instead.
page.before.each((ctx) => {
  if (!ctx.browser) throw ctx.failure;
});
page.after(async (ctx) => {
  await ctx.browser?.close();
  for (const c of ctx.cleanups ?? []) c();
});

async function graphOf(db: string, name: string): Promise<LineageGraph> {
  const ln = await open(db);
  try {
    return ln.lineage(ln.select(File, { name }).one(), { direction: 'upstream' });
  } finally {
    await ln.close();
  }
}

// Opens a page and records its console errors, uncaught exceptions and any request that is not the file itself.
async function visit(ctx: Ctx, file: string): Promise<{ p: Page; errors: string[]; requests: string[] }> {
  const p = await ctx.browser.newPage({ viewport: { width: 1280, height: 560 }, deviceScaleFactor: 2 });
  const errors: string[] = [];
  const requests: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('request', (r) => {
    if (r.url() !== pathToFileURL(file).href) requests.push(r.url());
  });
  await p.goto(pathToFileURL(file).href);
  return { p, errors, requests };
}

function html(db: string, name: string, file: string): void {
  const r = lineage(['--db', db, 'graph', name, '--format', 'html', '-o', file]);
  assert.equal(r.status, 0, r.stderr);
}

page('the demo lineage: every node drawn by kind, details on click and hover, no console errors', async (ctx) => {
  const demo = demoLedger();
  ctx.cleanups.push(demo.cleanup);
  const file = join(ctx.out, 'demo.html');
  html(demo.db, 'output.bam', file);
  const graph = await graphOf(demo.db, 'output.bam');
  const { p, errors, requests } = await visit(ctx, file);

  assert.equal(await p.locator('svg g.node').count(), graph.nodes.length);
  for (const n of graph.nodes) {
    const cls = await p.locator(`svg g[id="node-${n.id}"]`).getAttribute('class');
    assert.equal(cls?.replace(' selected', ''), `node ${n.kind}`, n.id);
  }
  assert.equal(await p.locator('svg g.edge').count(), graph.edges.length);
  assert.deepEqual(await p.locator('.legend li').allTextContents().then((t) => t.slice(0, 3).map((s) => s.trim())), ['file', 'run', 'transform']);

  // The start node's details are shown at first: a file's hash and size.
  assert.equal(await p.locator('#d-title').textContent(), 'output.bam');
  assert.match((await p.locator('#d-fields').textContent())!, /hashsha256:[0-9a-f]{64}/);
  assert.match((await p.locator('#d-fields').textContent())!, /size507 B \(507 bytes\)/);

  // A click on a run shows its times; hovering shows a summary.
  const run = graph.nodes.find((n) => n.kind === 'run' && n.depth === 1)!;
  await p.locator(`svg g[id="node-${run.id}"]`).click();
  assert.equal(await p.locator('#d-title').textContent(), `${run.id} of Cell Ranger v7`);
  const fields = (await p.locator('#d-fields').textContent())!;
  for (const f of ['statuscompleted', 'started', 'finished', 'duration']) assert.ok(fields.includes(f), f);
  const transform = graph.nodes.find((n) => n.kind === 'transform' && n.label === 'Cell Ranger v7')!;
  await p.locator(`svg g[id="node-${transform.id}"]`).hover();
  assert.equal(await p.locator('#tip').isVisible(), true);
  assert.equal(await p.locator('#tip').textContent(), 'transform Cell Ranger v7 — pipeline');

  // The screenshot shows the page as a reader first sees it: the start node selected, no tooltip.
  await p.locator(`svg g[id="node-${graph.start}"]`).click();
  await p.mouse.move(0, 0);
  const shot = process.env.LINEAGE_SCREENSHOT ?? join(ctx.out, 'lineage.png');
  mkdirSync(dirname(shot), { recursive: true });
  await p.screenshot({ path: shot, fullPage: true });
  assert.ok(existsSync(shot));

  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [], 'the page loads nothing');
  await p.close();
});

page('hostile names and params are shown as text: no markup runs, no console errors', async (ctx) => {
  const hostile = await hostileLedger();
  ctx.cleanups.push(hostile.cleanup);
  const file = join(ctx.out, 'hostile.html');
  html(hostile.db, HOSTILE.output, file);
  const graph = await graphOf(hostile.db, HOSTILE.output);
  const { p, errors, requests } = await visit(ctx, file);
  assert.equal(await p.locator('svg g.node').count(), graph.nodes.length);
  assert.equal(await p.evaluate('typeof window.pwned'), 'undefined');
  assert.equal(await p.locator('script').count(), 2, 'only the page data and the page script');
  assert.equal(await p.locator('h1').textContent(), `Lineage of ${HOSTILE.output}`);
  const run = graph.nodes.find((n) => n.kind === 'run' && n.depth === 1)!;
  await p.locator(`svg g[id="node-${run.id}"]`).click();
  assert.ok((await p.locator('#d-fields').textContent())!.includes(HOSTILE.params.note), 'params shown as text');
  const input = graph.nodes.find((n) => n.label === HOSTILE.input)!;
  await p.locator(`svg g[id="node-${input.id}"]`).click();
  assert.equal(await p.locator('#d-title').textContent(), HOSTILE.input);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, []);
  await p.close();
});

// Mermaid itself (the library GitHub renders ```mermaid blocks with) draws our flowcharts in the browser.
async function mermaidNodes(ctx: Ctx, text: string): Promise<{ cls: string; label: string }[]> {
  const p = await ctx.browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await p.addScriptTag({ path: MERMAID });
  const nodes = (await p.evaluate(`(async (text) => {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const { svg } = await mermaid.render('lineage', text);
    document.getElementById('out').innerHTML = svg;
    return [...document.querySelectorAll('#out g.node')].map((g) => ({ cls: g.getAttribute('class'), label: g.textContent }));
  })(${JSON.stringify(text)})`)) as { cls: string; label: string }[];
  await p.close();
  assert.deepEqual(errors, []);
  return nodes;
}

page('Mermaid renders our flowcharts: one node per graph node, of its kind, labelled with its exact name', async (ctx) => {
  const demo = demoLedger();
  ctx.cleanups.push(demo.cleanup);
  const hostile = await hostileLedger();
  ctx.cleanups.push(hostile.cleanup);
  for (const [db, name] of [
    [demo.db, 'output.bam'],
    [hostile.db, HOSTILE.output],
  ] as const) {
    const graph = await graphOf(db, name);
    const r = lineage(['--db', db, 'graph', name, '--format', 'mermaid']);
    assert.equal(r.status, 0, r.stderr);
    const drawn = await mermaidNodes(ctx, r.stdout);
    assert.equal(drawn.length, graph.nodes.length);
    for (const kind of ['file', 'run', 'transform'] as const) {
      assert.equal(drawn.filter((d) => d.cls.split(' ').includes(kind)).length, graph.nodes.filter((n) => n.kind === kind).length, kind);
    }
    for (const n of graph.nodes.filter((x) => x.kind !== 'run')) {
      assert.ok(drawn.some((d) => d.label.startsWith(n.label)), `a node is labelled ${n.label}`);
    }
  }
});

page.run();
