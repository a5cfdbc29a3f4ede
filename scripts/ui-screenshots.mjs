// `node scripts/ui-screenshots.mjs [CHROMIUM]`: screenshots of the web page's pages on the demo
// ledger, written to docs/ui-*.png for the README. Needs a build (npm run build) and Chromium.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { File, open } from '../dist/lib/index.js';
import { uiServer } from '../dist/lib/cli/commands/ui.js';

const main = fileURLToPath(new URL('../dist/lib/cli/main.js', import.meta.url));
const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lineage-shots-'));
execFileSync(process.execPath, [main, 'demo'], { cwd: dir, stdio: 'ignore' });
const ledger = await open(join(dir, '.lineage-demo'));
const app = await uiServer(ledger);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({ executablePath: process.argv[2] ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const bam = ledger.select(File, { name: 'output.bam' }).one();
  const fastq = ledger.select(File, { name: 'input.fastq.gz' }).one();
  const shots = [
    ['search', `#/search?q=o`, '.hits li'],
    ['record', `#/record/${bam.run.id}`, 'h2'],
    ['graph', `#/graph/${fastq.id}?direction=both`, 'g.node'],
    ['log', `#/log`, 'table.events tbody tr'],
    ['verify', `#/verify`, 'button'],
  ];
  for (const [name, hash, ready] of shots) {
    await page.goto(`${base}/${hash}`);
    await page.locator(ready).first().waitFor();
    if (name === 'verify') {
      await page.getByRole('button', { name: 'Verify the log' }).click();
      await page.locator('.verdict').waitFor();
    }
    await page.screenshot({ path: join(docs, `ui-${name}.png`) });
    console.log(`docs/ui-${name}.png`);
  }
  // The sign-in of a server with a token, after a wrong one.
  const locked = await uiServer(ledger, { token: 'screenshot-token' });
  const lockedBase = await locked.listen({ host: '127.0.0.1', port: 0 });
  try {
    await page.goto(`${lockedBase}/#/search`);
    await page.getByLabel('Token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.signin [role="alert"]', { hasText: 'refused' }).waitFor();
    await page.screenshot({ path: join(docs, 'ui-signin.png') });
    console.log('docs/ui-signin.png');
  } finally {
    await locked.close();
  }
} finally {
  await browser.close();
  await app.close();
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
}
