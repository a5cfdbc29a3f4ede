import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { File, open, Transform } from 'lineage-ledger';
import { testPostgres } from '../support/postgres.js';

const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

function lineage(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every command takes a PostgreSQL URL as --db or LINEAGE_DB, and the password never shows in its output', async () => {
  const pg = await testPostgres();
  const url = pg.url();
  const ledger = await open(url);
  await ledger.track(new Transform({ name: 'cli-pg', version: '1' }));
  await ledger.add(new File(Buffer.from('made by a pipeline'), { name: 'out.csv' }));
  await ledger.close();
  const head = lineage(['--db', url, 'head']);
  assert.equal(head.status, 0, head.stderr);
  const h = JSON.parse(head.stdout) as { seq: number; hash: string };
  assert.equal(h.seq, ledger.head.seq);
  const verify = lineage(['verify', '--json'], { LINEAGE_DB: url });
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean; head: { hash: string } }).head.hash, h.hash);
  const show = lineage(['--db', url, 'show', 'out.csv', '--json']);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /out\.csv/);
  for (const r of [head, verify, show]) assert.not.ok((r.stdout + r.stderr).includes(pg.password), 'no password in the output');
});

test('an unreachable or refusing database is STORE_UNAVAILABLE on stderr, without the password', async () => {
  const pg = await testPostgres();
  const wrong = pg.url().replace(`:${pg.password}@`, ':wrong-secret-77@');
  const r = lineage(['--db', wrong, 'stats', '--json']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /STORE_UNAVAILABLE/);
  assert.not.ok((r.stdout + r.stderr).includes('wrong-secret-77'));
});

test.run();
