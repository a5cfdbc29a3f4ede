import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { File, open, Run, Transform } from 'lineage-ledger';
import { copyLedger } from '../../lib/storage/copy-ledger.js';
import { tempDir } from '../helpers.js';
import { testPostgres } from '../support/postgres.js';

const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const COPY_MODULE = fileURLToPath(new URL('../../lib/storage/copy-ledger.js', import.meta.url));

function lineage(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Copied {
  from: { seq: number; hash: string };
  to: { seq: number; hash: string };
  resumedAt: number;
  copied: number;
  contents: number;
  missingContents: number;
}

function copy(from: string, to: string): Copied {
  const r = lineage(['copy', '--from', from, '--to', to, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Copied;
}

// A big content (past the inline limit: an objects/ file on a folder), small inline ones, an erased one, and lineage across two runs.
const BIG = Buffer.alloc(700 * 1024, 'lineage ');
const SECRET = Buffer.alloc(300 * 1024, 'personal data ');

async function makeWorld(path: string): Promise<void> {
  const ln = await open(path);
  await ln.track(new Transform({ name: 'ingest', version: '1' }));
  await ln.add(new File(Buffer.from('raw reads'), { name: 'reads.fastq' }));
  await ln.add(new File(BIG, { name: 'big.bin' }));
  const secret = await ln.add(new File(SECRET, { name: 'secret.txt' }));
  await secret.delete();
  await secret.delete({ permanent: true });
  await ln.track(new Transform({ name: 'align', version: '2' }));
  await ln.select(File, { name: 'reads.fastq' }).one().load({ isRunInput: true });
  await ln.select(File, { name: 'big.bin' }).one().load({ isRunInput: true });
  await ln.add(new File(Buffer.from('aligned'), { name: 'aligned.bam' }));
  await ln.close();
}

async function headOf(path: string): Promise<{ seq: number; hash: string }> {
  const ln = await open(path);
  const head = ln.head;
  await ln.close();
  return head;
}

/** What a user asks of a ledger: its head, its files and their contents, and the lineage of the output. */
async function answers(path: string): Promise<unknown> {
  const ln = await open(path);
  try {
    const files = ln.select(File).all().map((f) => ({ id: f.id, name: f.name, hash: f.hash }));
    const contents: Record<string, string> = {};
    for (const name of ['reads.fastq', 'big.bin', 'aligned.bam']) contents[name] = Buffer.from(await ln.select(File, { name }).one().load()).toString('base64');
    const run = ln.select(Run).join(File, { name: 'aligned.bam' }).one();
    const graph = ln.lineage(ln.select(File, { name: 'aligned.bam' }).one());
    let erased = '';
    await ln.select(File, { name: 'secret.txt' }).withTrashed().one().load().catch((err: { code?: string }) => (erased = err.code ?? ''));
    return {
      head: ln.head,
      files,
      contents,
      inputs: run.inputs.map((f) => f.name).sort(),
      nodes: graph.nodes.map((n) => n.id).sort(),
      edges: graph.edges.map((e) => `${e.from}>${e.to}`).sort(),
      erased,
    };
  } finally {
    await ln.close();
  }
}

test('a folder copied to PostgreSQL and back keeps its head hash, its contents and every answer', async () => {
  const pg = await testPostgres();
  const { dir, cleanup } = tempDir('copy-round-');
  try {
    const a = join(dir, 'a');
    const back = join(dir, 'back');
    const url = pg.url('round', await pg.database());
    await makeWorld(a);
    const original = await answers(a);
    // An erase cut short after its event: the bytes are still in the folder, and must not travel.
    const secretHash = createHash('sha256').update(SECRET).digest('hex');
    mkdirSync(join(a, 'objects', secretHash.slice(0, 2)), { recursive: true });
    writeFileSync(join(a, 'objects', secretHash.slice(0, 2), secretHash), SECRET);
    const there = copy(a, url);
    assert.equal(there.to, there.from, 'both heads are printed and equal');
    assert.equal(there.resumedAt, 0);
    assert.equal(there.contents, 3, 'the two inline contents and the objects/ file');
    assert.equal(there.missingContents, 1, 'the erased content is named but not stored');
    assert.equal(await answers(url), original, 'PostgreSQL answers as the folder did');
    assert.equal(await pg.sql("SELECT hash FROM lineage_blobs WHERE hash = $1", [secretHash], new URL(url).pathname.slice(1)), [], 'erased bytes are not copied');
    const home = copy(url, back);
    assert.equal(home.to.hash, there.from.hash);
    const bigHash = (original as { files: { name: string; hash: string }[] }).files.find((f) => f.name === 'big.bin')!.hash;
    assert.ok(existsSync(join(back, 'objects', bigHash.slice(0, 2), bigHash)), 'the big content is an objects/ file again');
    assert.equal(await answers(back), original, 'the folder copied back answers as the first did');
    const v = lineage(['--db', back, 'verify', '--contents', '--json']);
    assert.equal(v.status, 0, v.stderr);
    // Between two ledgers of one database too, reporting progress (the CLI's bar on a terminal) as it goes.
    const twin = pg.url('twin', new URL(url).pathname.slice(1));
    const seen: string[] = [];
    const r = await copyLedger(url, twin, { batch: 4, onProgress: (done, total) => seen.push(`${done}/${total}`) });
    assert.equal(r.to, there.from);
    const total = there.from.seq;
    assert.equal(seen, [0, ...Array.from({ length: Math.ceil(total / 4) }, (_, i) => Math.min(total, (i + 1) * 4))].map((d) => `${d}/${total}`), 'every batch is reported, up to the head');
    assert.equal(await answers(twin), original);
  } finally {
    cleanup();
  }
});

test('a copy takes the source\'s checkpoint along: the destination\'s first open loads it and replays only the tail, in both directions', async () => {
  const pg = await testPostgres();
  const { dir, cleanup } = tempDir('copy-checkpoint-');
  try {
    const a = join(dir, 'a');
    const back = join(dir, 'back');
    const url = pg.url('checkpointed', await pg.database());
    await makeWorld(a);
    const source = await open(a);
    await source.checkpoint();
    const at = source.head.seq;
    await source.add(new File(Buffer.from('after the checkpoint'), { name: 'tail.txt' }));
    await source.close();
    const original = await answers(a);
    copy(a, url);
    const there = await open(url);
    assert.equal(there.loadReport.from, at, 'loaded from the copied checkpoint');
    await there.close();
    assert.equal(await answers(url), original);
    copy(url, back);
    const home = await open(back);
    assert.equal(home.loadReport.from, at, 'and back in a folder');
    await home.close();
    assert.equal(await answers(back), original);
  } finally {
    cleanup();
  }
});

test('a copy SIGKILLed after its first batch resumes from the destination head, in both directions', async () => {
  const pg = await testPostgres();
  const { dir, cleanup } = tempDir('copy-kill-');
  try {
    const src = join(dir, 'src');
    const ln = await open(src);
    await ln.track(new Transform({ name: 'many', version: '1' }));
    for (let i = 0; i < 12; i++) await ln.add(Array.from({ length: 100 }, (_, k) => new File(Buffer.from(`content ${i}-${k}`), { name: `f${i}-${k}.txt` })));
    await ln.close();
    const url = pg.url('killed', await pg.database());
    const pgBack = join(dir, 'pg-back');
    for (const [from, to] of [[src, url], [url, pgBack]] as const) {
      // A real child process that kills itself (SIGKILL) once the first batch of 200 events is committed.
      const script = `const { copyLedger } = await import(${JSON.stringify(COPY_MODULE)});
        await copyLedger(${JSON.stringify(from)}, ${JSON.stringify(to)}, { batch: 200, onProgress: (done) => { if (done > 0) process.kill(process.pid, 'SIGKILL'); } });`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL');
      const resumed = copy(from, to);
      assert.equal(resumed.resumedAt, 200, 'the killed copy had committed its first batch, and only that');
      assert.ok(resumed.from.seq > 1200);
      assert.equal(resumed.copied, resumed.from.seq - 200);
      assert.equal(resumed.to, resumed.from, 'the destination reaches the source head');
      const v = lineage(['--db', to, 'verify', '--contents', '--json']);
      assert.equal(v.status, 0, v.stderr);
    }
  } finally {
    cleanup();
  }
});

test('a destination with events of its own is refused, with nothing written', async () => {
  const pg = await testPostgres();
  const { dir, cleanup } = tempDir('copy-foreign-');
  try {
    const src = join(dir, 'src');
    await makeWorld(src);
    const db = await pg.database();
    const url = pg.url('foreign', db);
    const folder = join(dir, 'foreign');
    for (const to of [url, folder]) {
      const other = await open(to);
      await other.track(new Transform({ name: 'someone else', version: '1' }));
      await other.close();
      const before = await headOf(to);
      const r = lineage(['copy', '--from', src, '--to', to]);
      assert.equal(r.status, 2, "a usage error");
      assert.match(r.stderr, /INVALID_ARGUMENT/);
      assert.match(r.stderr, /already holds \d+ events that are not the first events of/);
      assert.equal(await headOf(to), before, 'the destination is as it was');
    }
    const [n] = await pg.sql<{ n: string }>("SELECT count(*) AS n FROM lineage_events WHERE ledger = 'foreign'", [], db);
    assert.equal(Number(n!.n), (await headOf(url)).seq, 'no row was added');
    // Copying a ledger onto itself is refused.
    const same = lineage(['copy', '--from', src, '--to', src]);
    assert.equal(same.status, 2);
    assert.match(same.stderr, /the same ledger/);
  } finally {
    cleanup();
  }
});

test.run();
