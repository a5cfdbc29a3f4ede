import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { File, type Ledger, open, Run, Transform } from 'lineage-ledger';
import { type Browser, chromium, type Page } from 'playwright-core';
import { suite } from 'uvu';
import { uiServer } from '../../lib/cli/commands/ui.js';
import { demoLedger, HOSTILE, hostileLedger } from '../cli/run-cli.js';
import { onPath, requiring } from '../support/requirement.js';

// The web page in headless Chromium, served by `lineage ui`'s server on 127.0.0.1 (port 0). The
// browser comes from CHROME_PATH, CHROMIUM_PATH or the PATH (Debian's chromium; .ci/run installs it).
const BROWSER = process.env.CHROME_PATH || process.env.CHROMIUM_PATH || onPath('chromium', 'chromium-browser', 'google-chrome', 'chrome');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Served {
  ledger: Ledger;
  base: string;
  close: () => Promise<void>;
}

interface Ctx {
  browser: Browser;
  demo: Served;
  cleanups: (() => void | Promise<void>)[];
}

async function serve(ledger: Ledger, token?: string): Promise<Served> {
  const app = await uiServer(ledger, { token });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { ledger, base, close: () => app.close() };
}

const web = requiring(suite<Ctx>('the web page in headless Chromium'), BROWSER ? undefined : 'no Chromium: set CHROME_PATH or CHROMIUM_PATH, or apt-get install -y chromium');

web.before(async (ctx) => {
  ctx.cleanups = [];
  ctx.browser = await chromium.launch({ executablePath: BROWSER, args: ARGS });
  const demo = demoLedger();
  ctx.cleanups.push(demo.cleanup);
  ctx.demo = await serve(await open(demo.db));
  ctx.cleanups.push(async () => {
    await ctx.demo.close();
    await ctx.demo.ledger.close();
  });
});
web.after(async (ctx) => {
  await ctx.browser?.close();
  for (const c of (ctx.cleanups ?? []).reverse()) await c();
});

// Opens a page of the app and records console errors, uncaught exceptions, dialogs (an injected
// alert) and every request that is not to the server itself.
async function visit(ctx: Ctx, s: Served, hash: string): Promise<{ p: Page; errors: string[]; away: string[] }> {
  const p = await ctx.browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors: string[] = [];
  const away: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  p.on('pageerror', (e) => errors.push(e.message));
  p.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  p.on('request', (r) => {
    if (!r.url().startsWith(`${s.base}/`)) away.push(r.url());
  });
  await p.goto(`${s.base}/${hash}`);
  return { p, errors, away };
}

// Polls from here: page.waitForFunction evaluates its predicate with eval, which the page's CSP forbids.
async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

web('every page loads with no console error and no request leaving the server', async (ctx) => {
  const ln = ctx.demo.ledger;
  const bam = ln.select(File, { name: 'output.bam' }).one();
  const pages: [string, string][] = [
    ['#/search?q=fastq', '.hits li'],
    [`#/record/${bam.id}`, 'h2'],
    [`#/record/${bam.run!.id}`, 'h2'],
    [`#/graph/${bam.id}?direction=both`, 'svg.graph g.node'],
    ['#/log?types=run.started', 'table.events tbody tr'],
    ['#/verify', 'button'],
  ];
  for (const [hash, ready] of pages) {
    const { p, errors, away } = await visit(ctx, ctx.demo, hash);
    await p.locator(ready).first().waitFor();
    assert.equal(await p.locator('.problem').count(), 0, `${hash}: ${await p.locator('.problem').allTextContents()}`);
    if (hash === '#/verify') {
      await p.getByRole('button', { name: 'Verify the log' }).click();
      await p.locator('.verdict.ok').waitFor();
      assert.match(await p.locator('.verdict').innerText(), new RegExp(`Intact: ${ln.head.seq} events checked, head seq ${ln.head.seq} ${ln.head.hash}`));
      assert.equal(await p.locator('#verify-progress').getAttribute('value'), String(ln.head.seq));
    }
    assert.deepEqual(errors, [], hash);
    assert.deepEqual(away, [], hash);
    await p.close();
  }
});

web('the log pages through the events and filters them by type', async (ctx) => {
  const { p } = await visit(ctx, ctx.demo, '#/log?types=file.created');
  await p.locator('table.events tbody tr').first().waitFor();
  const types = await p.locator('table.events tbody td:nth-child(3)').allTextContents();
  const files = ctx.demo.ledger.select(File).count();
  assert.deepEqual(types, Array(files).fill('file.created'));
  await p.close();
});

web('search as you type finds output.bam, and a click goes on to its run and to that run’s input, input.fastq.gz', async (ctx) => {
  const { p, errors } = await visit(ctx, ctx.demo, '#/search');
  await p.getByLabel('A file, run or transform: name, id or hash').pressSequentially('output', { delay: 20 });
  const hit = p.locator('.hits a', { hasText: 'output.bam' });
  await hit.waitFor();
  await hit.click();
  await p.locator('h1', { hasText: 'output.bam' }).waitFor();
  await p.locator('.relation', { hasText: 'produced by run' }).locator('a').click();
  await p.locator('h1', { hasText: 'of Cell Ranger v7' }).waitFor();
  await p.locator('.relation', { hasText: 'inputs' }).locator('a', { hasText: 'input.fastq.gz' }).click();
  await p.locator('h1', { hasText: 'input.fastq.gz' }).waitFor();
  const fastq = ctx.demo.ledger.select(File, { name: 'input.fastq.gz' }).one();
  assert.ok(p.url().endsWith(`#/record/${fastq.id}`), p.url());
  assert.deepEqual(errors, []);
  await p.close();
});

web('the time slider changes what the graph shows, and the URL keeps the moment', async (ctx) => {
  const ln = ctx.demo.ledger;
  const fastq = ln.select(File, { name: 'input.fastq.gz' }).one();
  // The last seq before Cell Ranger's run started: input.fastq.gz exists, nothing was made from it yet.
  let before = 0;
  for await (const e of ln.events({ types: ['run.started'] })) before = e.seq - 1;
  const { p, errors } = await visit(ctx, ctx.demo, `#/graph/${fastq.id}?direction=down`);
  await p.locator('svg.graph g.node.file').nth(1).waitFor();
  const now = await p.locator('svg.graph g.node').count();
  assert.equal(now, ln.lineage(fastq, { direction: 'downstream', maxNodes: 300 }).nodes.length);
  await p.getByLabel('As of seq').fill(String(before));
  await p.waitForURL(/asOf=/);
  await p.locator('.when', { hasText: `showing seq ${before}` }).waitFor();
  await until(async () => (await p.locator('svg.graph g.node').count()) !== now);
  const then = await p.locator('svg.graph g.node').count();
  assert.equal(then, ln.asOf(before).lineage(fastq, { direction: 'downstream', maxNodes: 300 }).nodes.length);
  assert.ok(then < now, `${then} nodes as of seq ${before}, ${now} at the head`);
  assert.ok(p.url().includes(`asOf=${before}`));
  // The same link opened afresh shows the same moment.
  const again = await ctx.browser.newPage();
  await again.goto(p.url());
  await again.locator('svg.graph g.node').first().waitFor();
  await again.locator('.when', { hasText: `showing seq ${before}` }).waitFor();
  assert.equal(await again.locator('svg.graph g.node').count(), then);
  assert.deepEqual(errors, []);
  await again.close();
  await p.close();
});

web('a click on a node shows its details; a "… more" marker expands the graph there; keys do the same', async (ctx) => {
  const ln = ctx.demo.ledger;
  const bam = ln.select(File, { name: 'output.bam' }).one();
  const { p, errors } = await visit(ctx, ctx.demo, `#/graph/${bam.id}?direction=up&depth=1`);
  await p.locator('svg.graph g.node.cut').first().waitFor();
  const before = await p.locator('svg.graph g.node:not(.cut)').count();
  // The start is drawn whole: a click shows its details. (A click on a node cut by the limit expands it.)
  await p.locator(`svg.graph g[id="node-${bam.id}"]`).click();
  await p.locator('.details h2', { hasText: 'output.bam' }).waitFor();
  assert.match(await p.locator('.details dl').innerText(), new RegExp(`sha256:${bam.hash}`));
  await p.locator('svg.graph g.node.cut').first().focus();
  await p.keyboard.press('Enter');
  await until(async () => (await p.locator('svg.graph g.node:not(.cut)').count()) > before);
  assert.ok(p.url().includes('expand='));
  assert.deepEqual(errors, []);
  await p.close();
});

web('hostile names and params are shown as text, never run as markup', async (ctx) => {
  const h = await hostileLedger();
  ctx.cleanups.push(h.cleanup);
  const ledger = await open(h.db);
  const s = await serve(ledger);
  ctx.cleanups.push(async () => {
    await s.close();
    await ledger.close();
  });
  const { p, errors, away } = await visit(ctx, s, `#/search?q=${encodeURIComponent('<script>')}`);
  const t = ledger.select(Transform, { name: HOSTILE.transform }).one();
  await p.locator('.hits .label').first().waitFor();
  assert.ok((await p.locator('.hits .label').allTextContents()).includes(`${HOSTILE.transform} v<2>`));
  const run = ledger.select(Run).join(File, { name: HOSTILE.output }).one();
  await p.goto(`${s.base}/#/record/${run.id}`);
  await p.locator('pre.json').first().waitFor();
  assert.equal(JSON.parse(await p.locator('pre.json').first().innerText()).note, HOSTILE.params.note);
  await p.goto(`${s.base}/#/graph/${t.id}?direction=down`);
  await p.locator(`svg.graph g[id="node-${t.id}"]`).waitFor();
  assert.equal(await p.locator(`svg.graph g[id="node-${t.id}"] text.name`).textContent(), `${HOSTILE.transform} v<2>`.slice(0, 43) + '…');
  assert.equal(await p.locator('script').count(), 1, 'only the app’s own script element');
  assert.equal(await p.evaluate('window.pwned'), undefined);
  assert.deepEqual(errors, []);
  assert.deepEqual(away, []);
  await p.close();
});

web('behind a token the page asks for it, keeps it in the tab only, sends it as a bearer token, and asks again when it is refused', async (ctx) => {
  const TOKEN = 'page-token-4b1d';
  const s = await serve(ctx.demo.ledger, TOKEN);
  ctx.cleanups.push(() => s.close());
  const { p, errors, away } = await visit(ctx, s, '#/search?q=output');
  const bearer: string[] = [];
  p.on('request', (r) => {
    if (r.url().includes('/api/ui/v1/')) bearer.push(r.headers().authorization ?? '(none)');
  });
  const notice = p.locator('.signin [role="alert"]');
  await notice.waitFor();
  assert.equal(await notice.innerText(), 'This server needs a token.');
  assert.equal(await p.locator('.hits li').count(), 0, 'nothing of the ledger is shown');
  // A wrong token: the prompt again, saying why.
  await p.getByLabel('Token').fill('not-the-token');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.locator('.signin [role="alert"]', { hasText: 'refused the token' }).waitFor();
  // The right one: the page the URL named, with its data.
  await p.getByLabel('Token').fill(TOKEN);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.locator('.hits a', { hasText: 'output.bam' }).waitFor();
  assert.ok(!p.url().includes(TOKEN), p.url());
  assert.equal(await p.evaluate("sessionStorage.getItem('lineage-ledger.token')"), TOKEN);
  assert.equal(await p.evaluate('localStorage.length'), 0);
  assert.ok(bearer.includes(`Bearer ${TOKEN}`), bearer.join(', '));
  // Verify streams through the same token; a reload keeps the sign-in for the tab.
  await p.goto(`${s.base}/#/verify`);
  await p.getByRole('button', { name: 'Verify the log' }).click();
  await p.locator('.verdict.ok').waitFor();
  await p.reload();
  await p.locator('h1', { hasText: 'Verify' }).waitFor();
  assert.equal(await p.locator('.signin').count(), 0);
  // A token the server no longer takes (it was restarted with another): the prompt, with the reason.
  await p.evaluate("sessionStorage.setItem('lineage-ledger.token', 'stale')");
  await p.goto(`${s.base}/#/log`);
  await p.locator('.signin [role="alert"]', { hasText: 'refused the token' }).waitFor();
  assert.equal(await p.evaluate("sessionStorage.getItem('lineage-ledger.token')"), null, 'a refused token is forgotten');
  // Signing out forgets the token too.
  await p.getByLabel('Token').fill(TOKEN);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.locator('table.events tbody tr').first().waitFor();
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.locator('.signin [role="alert"]', { hasText: 'Signed out' }).waitFor();
  assert.equal(await p.evaluate("sessionStorage.getItem('lineage-ledger.token')"), null);
  assert.ok(bearer.every((b) => b === '(none)' || b.startsWith('Bearer ')), bearer.join(', '));
  // The only console errors are Chromium's own lines for the refused (401) requests.
  assert.deepEqual(errors.filter((e) => !/status of 401/.test(e)), []);
  assert.ok(errors.length > 0);
  assert.deepEqual(away, []);
  await p.close();
});

// axe-core (Deque's accessibility engine, the WCAG checker browsers' own audits build on): its rules
// for contrast, names, labels, roles and landmarks are more than a check of our own could be.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The WCAG 2.1 A and AA violations axe finds on the page as it is now, one line each.
async function accessibilityProblems(p: Page): Promise<string[]> {
  await p.evaluate(AXE);
  return p.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`))",
  );
}

web('every page passes axe-core’s WCAG 2.1 AA checks (contrast, names, labels, roles), the sign-in too', async (ctx) => {
  const ln = ctx.demo.ledger;
  const bam = ln.select(File, { name: 'output.bam' }).one();
  const pages: [string, string][] = [
    ['#/search?q=o', '.hits li'],
    [`#/record/${bam.run!.id}`, 'table.events tbody tr'],
    [`#/graph/${bam.id}?direction=up&depth=1`, 'svg.graph g.node.cut'],
    ['#/log', 'table.events tbody tr'],
    ['#/verify', 'button'],
  ];
  for (const [hash, ready] of pages) {
    const { p } = await visit(ctx, ctx.demo, hash);
    await p.locator(ready).first().waitFor();
    if (hash === '#/verify') {
      await p.getByRole('button', { name: 'Verify the log' }).click();
      await p.locator('.verdict.ok').waitFor();
    }
    assert.deepEqual(await accessibilityProblems(p), [], hash);
    await p.close();
  }
  const s = await serve(ln, 'a11y-token');
  ctx.cleanups.push(() => s.close());
  const { p } = await visit(ctx, s, '#/search');
  await p.getByLabel('Token').waitFor();
  assert.deepEqual(await accessibilityProblems(p), [], 'sign-in');
  await p.close();
});

web('the keyboard alone goes from search to a record to its graph, and every focused control shows it', async (ctx) => {
  const { p, errors } = await visit(ctx, ctx.demo, '#/search');
  const focused = () => p.evaluate("(() => { const e = document.activeElement; return e ? `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}|${(e.textContent ?? '').trim().slice(0, 60)}` : '' })()") as Promise<string>;
  // Focus visible: the browser's :focus-visible holds, and our style draws an outline (or, for a graph node, a blue stroke).
  const visible = () =>
    p.evaluate(
      "(() => { const e = document.activeElement; if (!e || !e.matches(':focus-visible')) return false; if (e.matches('g.node')) return getComputedStyle(e.querySelector('.shape')).stroke === 'rgb(37, 99, 235)'; return getComputedStyle(e).outlineStyle !== 'none' && getComputedStyle(e).outlineWidth !== '0px'; })()",
    ) as Promise<boolean>;
  const tabTo = async (want: RegExp, most = 60) => {
    for (let i = 0; i < most; i++) {
      await p.keyboard.press('Tab');
      const f = await focused();
      assert.ok(await visible(), `focus on ${f} is not visible`);
      if (want.test(f)) return;
    }
    assert.fail(`Tab never reached ${want}`);
  };
  await p.locator('#q').waitFor();
  assert.match(await focused(), /^input\./, 'the search box has the focus when the page opens');
  await p.keyboard.type('output.bam');
  await p.locator('.hits a', { hasText: 'output.bam' }).waitFor();
  await tabTo(/^a\.ref\|file\s+output\.bam/);
  await p.keyboard.press('Enter');
  await p.locator('h1', { hasText: 'output.bam' }).waitFor();
  await tabTo(/^a\.button\|Lineage graph$/);
  await p.keyboard.press('Enter');
  await p.locator('svg.graph g.node').first().waitFor();
  await tabTo(/^g\.node run/);
  await p.keyboard.press('Enter');
  await p.locator('.details h2', { hasText: 'of Cell Ranger v7' }).waitFor();
  assert.deepEqual(errors, []);
  await p.close();
});

web('a graph of 2,000 nodes opens around its start, drawing what is in view, and Fit draws all of it (times printed, not asserted: bench/ measures)', async (ctx) => {
  const ln = await open({ memory: true, durability: 'none' });
  let prev: File | undefined;
  for (let i = 0; i < 999; i++) {
    await ln.run(new Transform({ name: `step ${i % 3}` }), async () => {
      if (prev) await prev.load({ isRunInput: true });
      prev = await ln.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
    });
  }
  const s = await serve(ln);
  ctx.cleanups.push(async () => {
    await s.close();
    await ln.close();
  });
  const { p, errors } = await visit(ctx, s, '#/search');
  await p.locator('#q').waitFor();
  const t0 = Date.now();
  await p.goto(`${s.base}/#/graph/${prev!.id}?maxNodes=5000`);
  // It opens readable around its start: only the nodes in view are drawn.
  await p.locator(`svg.graph g[id="node-${prev!.id}"] text.name`).waitFor({ timeout: 60_000 });
  const ms = Date.now() - t0;
  const caption = await p.locator('.muted', { hasText: 'laid out in' }).innerText();
  const api = Math.round(Number(await p.evaluate("performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/ui/v1/graph/')).map((e) => e.duration).pop()")));
  process.stdout.write(`\n  2,001-node graph: start node drawn ${ms} ms after navigating, of which the graph request took ${api} ms (${caption})\n`);
  assert.match(caption, /^999 files, 999 runs, 3 transforms · (\d+) in view/);
  const drawn = await p.locator('svg.graph g.node').count();
  assert.ok(drawn > 0 && drawn < 2001, `${drawn} nodes drawn`);
  // Fit shows all of it: every node and edge, without labels at that scale.
  const t1 = Date.now();
  await p.getByRole('button', { name: 'Fit' }).click();
  await until(async () => (await p.locator('svg.graph g.node').count()) === 2001);
  process.stdout.write(`  … all 2,001 nodes drawn ${Date.now() - t1} ms after Fit\n`);
  assert.equal(await p.locator('svg.graph g.node.transform').count(), 3);
  assert.equal(await p.locator('svg.graph path.edge').count(), 2996);
  assert.deepEqual(errors, []);
  await p.close();
});

web.run();
