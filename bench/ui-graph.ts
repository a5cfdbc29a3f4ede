// `node dist/bench/ui-graph.js [--reps 5] [--runs 999]`: how long the web page takes to show a large
// lineage graph (a chain of RUNS runs of 3 transforms: 2,001 nodes, 2,996 edges by default) in
// headless Chromium, split into the server's part (lineage + layout, then the JSON), the transfer,
// and the drawing: the page as it opens (virtualised: what is in view around the start) against the
// whole graph drawn at once (Fit), measured in the same run. Medians of REPS page loads.
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { File, open, Transform } from '../lib/index.js';
import { uiServer } from '../lib/cli/commands/ui.js';
import { findBrowser } from '../test/support/browser.js';
import { summarize } from './harness.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, runs: { type: 'string', default: '999' } } });
const reps = Number(values.reps);
const runs = Number(values.runs);
const found = findBrowser();
if (!found.path) {
  console.error(found.missing);
  process.exit(1);
}

const ln = await open({ memory: true, durability: 'none' });
let prev: File | undefined;
for (let i = 0; i < runs; i++) {
  await ln.run(new Transform({ name: `step ${i % 3}` }), async () => {
    if (prev) await prev.load({ isRunInput: true });
    prev = await ln.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
  });
}
const app = await uiServer(ln);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({ executablePath: found.path, args: ['--headless', '--no-sandbox', '--disable-gpu'] });

const rows: Record<string, number[]> = { open: [], request: [], server: [], layout: [], transfer: [], draw: [], fit: [] };
let nodes = 0;
for (let r = 0; r < reps; r++) {
  const p = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await p.goto(`${base}/#/search`);
  await p.locator('#q').waitFor();
  // A different node limit each time: the server's cache of laid-out graphs must not answer.
  const t0 = Date.now();
  await p.goto(`${base}/#/graph/${prev!.id}?maxNodes=${5000 - r}`);
  await p.locator(`svg.graph g[id="node-${prev!.id}"] text.name`).waitFor({ timeout: 120_000 });
  const open = Date.now() - t0;
  const timing = (await p.evaluate(
    "(() => { const e = performance.getEntriesByType('resource').filter((x) => x.name.includes('/api/ui/v1/graph/')).pop(); return { request: e.duration, waiting: e.responseStart - e.requestStart, transfer: e.responseEnd - e.responseStart, bytes: e.encodedBodySize }; })()",
  )) as { request: number; waiting: number; transfer: number; bytes: number };
  const caption = await p.locator('.muted', { hasText: 'laid out in' }).innerText();
  const layout = Number(/laid out in (\d+) ms/.exec(caption)?.[1]);
  const t1 = Date.now();
  await p.getByRole('button', { name: 'Fit' }).click();
  const total = Number(/^(\d+) files, (\d+) runs, (\d+) transforms/.exec(caption)!.slice(1, 4).reduce((a, b) => a + Number(b), 0));
  nodes = total;
  while ((await p.locator('svg.graph g.node').count()) < total) await new Promise((res) => setTimeout(res, 10));
  rows.fit!.push(Date.now() - t1);
  rows.open!.push(open);
  rows.request!.push(timing.request);
  rows.server!.push(timing.waiting);
  rows.layout!.push(layout);
  rows.transfer!.push(timing.transfer);
  rows.draw!.push(open - timing.request);
  if (r === 0) console.error(`graph JSON: ${(timing.bytes / 1024).toFixed(0)} KiB`);
  await p.close();
}
await browser.close();
await app.close();
await ln.close();

const m = (k: string) => summarize(rows[k]!).median;
console.log(`\`node dist/bench/ui-graph.js --reps ${reps} --runs ${runs}\`: ${nodes} nodes; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; medians of ${reps}\n`);
console.log('| step | median |');
console.log('|---|---|');
console.log(`| navigate → start node drawn (virtualised, as the page opens) | ${m('open').toFixed(0)} ms |`);
console.log(`| of which the graph request | ${m('request').toFixed(0)} ms |`);
console.log(`| of which the server: lineage, layout (${m('layout').toFixed(0)} ms) and JSON | ${m('server').toFixed(0)} ms |`);
console.log(`| of which the transfer | ${m('transfer').toFixed(0)} ms |`);
console.log(`| page script and drawing, after the request | ${m('draw').toFixed(0)} ms |`);
console.log(`| Fit: every node and edge drawn (the baseline: no virtualisation) | ${m('fit').toFixed(0)} ms |`);
