import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { demoLedger, lineage, MAIN } from '../cli/run-cli.js';

// `lineage ui` as users run it: a real child process on a free port of 127.0.0.1, read over HTTP,
// stopped by the test (SIGTERM to the child it started).

interface Ctx {
  db: string;
  dir: string;
  cleanups: (() => void)[];
}

const ui = suite<Ctx>('lineage ui');

ui.before((ctx) => {
  const demo = demoLedger();
  const t = tempDir('lineage-ui-cmd-');
  ctx.db = demo.db;
  ctx.dir = t.dir;
  ctx.cleanups = [demo.cleanup, t.cleanup];
});
ui.after((ctx) => {
  for (const c of ctx.cleanups.reverse()) c();
});

// Starts `lineage ui --no-open`, waits for the URL line it prints, and returns it with the child.
async function start(db: string, options: string[] = []): Promise<{ url: string; line: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [MAIN, '--db', db, 'ui', '--no-open', ...options], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lineage ui printed no URL in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^lineage ui: .*\n/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`lineage ui exited with ${code}: ${err}`)));
  });
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(line)![0];
  return { url, line, child };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return done;
}

ui('without --token-file the page and its data are served to anyone on loopback, and nothing can be written', async (ctx) => {
  const { url, child } = await start(ctx.db);
  try {
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
    const head = await fetch(`${url}api/ui/v1/head`);
    assert.equal(head.status, 200);
    assert.ok(((await head.json()) as { seq: number }).seq > 0);
    const write = await fetch(`${url}api/v1/lineage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(write.status, 403);
  } finally {
    assert.equal(await stop(child), 0);
  }
});

ui('with --token-file the page loads, but its data needs the token as a bearer token', async (ctx) => {
  const file = join(ctx.dir, 'token');
  writeFileSync(file, 'ui-secret-7f3a\n');
  const { url, line, child } = await start(ctx.db, ['--token-file', file]);
  try {
    assert.match(line, /sign in with the token of --token-file/);
    assert.doesNotMatch(line, /ui-secret-7f3a/, 'the token is never printed');
    assert.equal((await fetch(url)).status, 200, 'the page itself holds no ledger data');
    const none = await fetch(`${url}api/ui/v1/search?q=output`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${url}api/ui/v1/search?q=output`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const ok = await fetch(`${url}api/ui/v1/search?q=output`, { headers: { authorization: 'Bearer ui-secret-7f3a' } });
    assert.equal(ok.status, 200);
    assert.ok(((await ok.json()) as { hits: { label: string }[] }).hits.some((h) => h.label === 'output.bam'));
  } finally {
    assert.equal(await stop(child), 0);
  }
});

ui('a token file that is missing or holds several words is refused before anything is served', (ctx) => {
  const missing = lineage(['--db', ctx.db, 'ui', '--no-open', '--token-file', join(ctx.dir, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /FILE_NOT_FOUND: cannot read --token-file/);
  const two = join(ctx.dir, 'two');
  writeFileSync(two, 'a b\n');
  const words = lineage(['--db', ctx.db, 'ui', '--no-open', '--token-file', two]);
  assert.equal(words.status, 2);
  assert.match(words.stderr, /INVALID_ARGUMENT: --token-file .* must hold one token/);
});

ui.run();
