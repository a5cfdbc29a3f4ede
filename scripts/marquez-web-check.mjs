// `node scripts/marquez-web-check.mjs URL [--chromium PATH] [--shots DIR]`: opens every page of a
// running Marquez web UI (its docker image marquezproject/marquez-web, or a build of its web/ folder)
// whose /api is proxied to `lineage serve`, and reports each failing request (status, path, body), each
// console error and each uncaught page error. Exit status 1 when there is any. Not run by `npm test`:
// it needs Chromium and a Marquez web UI, neither of which the test suite can assume.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const executablePath = option('--chromium') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = option('--shots');
const base = (args[0] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

/** GET a Marquez API path through the web UI's proxy, as JSON. */
async function api(path) {
  const response = await fetch(`${base}/api/v1${path}`);
  if (!response.ok) throw new Error(`GET /api/v1${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// The pages are found from the ledger's own content: a job with runs and datasets around it,
// a dataset with a schema (and column lineage when one has it).
const { namespaces } = await api('/namespaces');
const jobs = [];
const datasets = [];
for (const { name } of namespaces) {
  jobs.push(...(await api(`/namespaces/${encodeURIComponent(name)}/jobs?limit=100`)).jobs);
  datasets.push(...(await api(`/namespaces/${encodeURIComponent(name)}/datasets?limit=100`)).datasets);
}
const job = jobs.find((j) => j.latestRun && (j.inputs.length > 0 || j.outputs.length > 0)) ?? jobs.find((j) => j.latestRun) ?? jobs[0];
const dataset = datasets.find((d) => d.fields.length > 0) ?? datasets[0];
const columnDataset = datasets.find((d) => d.columnLineage);
if (!job || !dataset) throw new Error('the ledger behind the web UI has no job or no dataset to open');
const node = (type, ns, name) => `/lineage/${type}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
const jobNode = `job:${job.namespace}:${job.name}`;
const datasetNode = `dataset:${dataset.namespace}:${dataset.name}`;
const wide = 'dateFrom=2000-01-01T00:00:00.000Z&dateTo=2100-01-01T00:00:00.000Z';

/** The pages, each a path and what to do once it is open. */
const pages = [
  ['dashboard', '/', async (page) => {
    await page.getByText('See More').click();
    await page.waitForTimeout(1500);
  }],
  ['jobs', '/jobs'],
  ['datasets', '/datasets'],
  ['events', `/events?${wide}`, async (page) => {
    await page.locator('tbody tr').first().click();
  }],
  ['job lineage', `${node('job', job.namespace, job.name)}?tableLevelNode=${encodeURIComponent(jobNode)}`, async (page) => {
    await page.getByRole('tab', { name: /history/i }).click();
    await page.waitForTimeout(1500);
    await page.locator('tbody tr').first().click();
  }],
  ['job lineage depth 5', `${node('job', job.namespace, job.name)}?depth=5`],
  ['dataset lineage', `${node('dataset', dataset.namespace, dataset.name)}?tableLevelNode=${encodeURIComponent(datasetNode)}`, async (page) => {
    await page.getByRole('checkbox', { name: /toggle show tags/i }).click();
    await page.waitForTimeout(1000);
    await page.getByRole('tab', { name: /history/i }).click();
  }],
  ['column lineage', `/datasets/column-level/${encodeURIComponent(encodeURIComponent((columnDataset ?? dataset).namespace))}/${encodeURIComponent((columnDataset ?? dataset).name)}`],
  ['search', '/jobs', async (page) => {
    await page.locator('#searchBar').fill(job.name.slice(0, 3));
    await page.waitForTimeout(1500);
  }],
];

const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const problems = [];
try {
  if (shots) mkdirSync(shots, { recursive: true });
  for (const [title, path, act] of pages) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(60_000); // a loaded machine (CI, a busy laptop) is slow to draw the graph
    const page = await context.newPage();
    const report = (kind, text) => problems.push({ page: title, kind, text });
    page.on('console', (message) => {
      if (message.type() === 'error') report('console', message.text());
    });
    page.on('pageerror', (error) => report('pageerror', String(error.stack ?? error)));
    page.on('requestfailed', (request) => report('request', `${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
    // The API requests in flight ("networkidle" never comes: the graph's elk worker script stays pending).
    const inFlight = new Set();
    const isApi = (request) => new URL(request.url()).pathname.startsWith('/api/');
    page.on('request', (request) => isApi(request) && inFlight.add(request));
    for (const done of ['requestfinished', 'requestfailed']) page.on(done, (request) => inFlight.delete(request));
    const settled = async () => {
      for (let quiet = 0, waited = 0; quiet < 1000; waited += 250) {
        if (waited > 90_000) throw new Error(`API requests still pending after 90 s: ${[...inFlight].map((r) => r.url()).join(', ')}`);
        await page.waitForTimeout(250);
        quiet = inFlight.size === 0 ? quiet + 250 : 0;
      }
    };
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (response.status() >= 400 && url.pathname.startsWith('/api/')) {
        const body = await response.text().catch(() => '');
        report('response', `${response.request().method()} ${url.pathname}${url.search} → ${response.status()} ${body.slice(0, 300)}`);
      }
    });
    await page.goto(`${base}${path}`, { waitUntil: 'load' });
    await page.waitForTimeout(1500);
    try {
      await settled();
      await act?.(page);
      await settled();
    } catch (error) {
      report('interaction', String(error.message ?? error).split('\n')[0]);
    }
    // Marquez's own error toast, shown when one of its requests failed or its answer could not be read.
    const toast = await page.locator('#toast').textContent({ timeout: 500 }).catch(() => null);
    if (toast) report('toast', toast);
    if (shots) await page.screenshot({ path: join(shots, `${title.replaceAll(' ', '-')}.png`) });
    console.log(`${problems.some((p) => p.page === title) ? 'FAIL' : 'ok  '} ${title} ${path}`);
    await context.close();
  }
} finally {
  await browser.close();
}
for (const { page, kind, text } of problems) console.log(`  [${page}] ${kind}: ${text}`);
console.log(`${pages.length - new Set(problems.map((p) => p.page)).size} pages ok, ${new Set(problems.map((p) => p.page)).size} with problems`);
process.exitCode = problems.length === 0 ? 0 : 1;
