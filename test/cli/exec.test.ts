import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { File, type Ledger, open, Run, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { onPath, requiring } from '../support/requirement.js';
import { serveChild } from '../support/serve.js';
import { type CliResult, lineage, MAIN } from './run-cli.js';

const INDEX = new URL('../../lib/index.js', import.meta.url).href;
const L = `${process.execPath} ${MAIN}`;

interface Ctx {
  dir: string;
  db: string;
  cleanup: () => void;
}

/** `lineage` in `dir` on the ledger `db` (through LINEAGE_DB, as a Makefile would). */
function inDir(ctx: Ctx, args: string[], env: Record<string, string> = {}): CliResult {
  return lineage(args, { LINEAGE_DB: ctx.db, ...env }, ctx.dir);
}

/** Starts `lineage ARGS` without waiting; resolves with how it ended. */
function started(ctx: Ctx, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ctx.dir, env: { ...process.env, LINEAGE_DB: ctx.db, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => child.on('exit', (code, signal) => done({ code, signal, stderr })));
  return { child, ended };
}

async function reading<T>(ctx: Ctx, fn: (ln: Ledger) => T | Promise<T>): Promise<T> {
  const ln = await open(ctx.db);
  try {
    return await fn(ln);
  } finally {
    await ln.close();
  }
}

function write(ctx: Ctx, name: string, content: string | Buffer): string {
  const p = join(ctx.dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
}

async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const test = suite<Ctx>('lineage exec');
test.before.each((ctx) => {
  const { dir, cleanup } = tempDir('lineage-exec-');
  ctx.dir = dir;
  ctx.db = join(dir, 'ledger');
  ctx.cleanup = cleanup;
});
test.after.each((ctx) => ctx.cleanup());

test('records the command as a run: transform, params, argv, environment, inputs and outputs, and exits with its status', async (ctx) => {
  write(ctx, 'reads.txt.gz', gzipSync('b\na\nc\n'));
  const r = inDir(ctx, ['exec', '--in', 'reads.txt.gz', '--out', 'reads.txt', '--param', 'level=9', '--', 'sh', '-c', 'gzip -dc reads.txt.gz > reads.txt'], { MY_API_TOKEN: 'hunter2', PLAIN_VAR: 'visible' });
  assert.equal(r.status, 0, r.stderr);
  await reading(ctx, (ln) => {
    const run = ln.select(Run).one();
    assert.equal(run.status, 'completed');
    assert.equal(run.transform.name, 'sh');
    assert.equal(run.transform.reference, onPath('sh'));
    const params = run.params as { level: string; exec: { argv: string[]; cwd: string; env: Record<string, string> } };
    assert.equal(params.level, '9');
    assert.deepEqual(params.exec.argv, ['sh', '-c', 'gzip -dc reads.txt.gz > reads.txt']);
    assert.equal(params.exec.cwd, ctx.dir);
    assert.equal(params.exec.env.PLAIN_VAR, 'visible');
    assert.equal(params.exec.env.MY_API_TOKEN, '[redacted]');
    assert.doesNotMatch(JSON.stringify(run.params), /hunter2/);
    const input = run.inputs[0]!;
    assert.equal(input.name, 'reads.txt.gz');
    assert.equal(input.run, undefined, 'an unknown input is added as an external file, with no producing run');
    assert.deepEqual(run.outputs.map((f) => f.name), ['reads.txt']);
    assert.equal(ln.select(File, { name: 'reads.txt' }).one().run?.id, run.id);
  });
});

test('an input already in the ledger is found by its content, whatever its name now', async (ctx) => {
  write(ctx, 'a.txt', 'same bytes');
  assert.equal(inDir(ctx, ['exec', '--transform', 'make-a', '--out', 'a.txt', '--', 'touch', 'a.txt']).status, 0);
  write(ctx, 'renamed.txt', 'same bytes');
  const r = inDir(ctx, ['exec', '--transform', 'cat@2', '--in', 'renamed.txt', '--', 'cat', 'renamed.txt']);
  assert.equal(r.status, 0, r.stderr);
  await reading(ctx, (ln) => {
    assert.equal(ln.select(File).count(), 1);
    const run = ln.select(Run).join(Transform, { name: 'cat' }).one();
    assert.equal(run.transform.version, '2');
    assert.equal(run.inputs[0]!.run?.transform.name, 'make-a');
  });
});

test('a failing command: its exit status, the run failed with it, and no outputs recorded', async (ctx) => {
  const r = inDir(ctx, ['exec', '--out', 'x.txt', '--', 'sh', '-c', 'echo partial > x.txt; exit 3']);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /failed: exited with code 3/);
  await reading(ctx, (ln) => {
    const run = ln.select(Run).one();
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'exited with code 3');
    assert.equal(ln.select(File).count(), 0);
  });
});

test('a command that cannot be found exits 127, one that cannot be run 126; both runs failed', async (ctx) => {
  const nf = inDir(ctx, ['exec', '--', 'no-such-command-xyz', 'arg']);
  assert.equal(nf.status, 127);
  write(ctx, 'not-exec.sh', 'echo hi');
  chmodSync(join(ctx.dir, 'not-exec.sh'), 0o644);
  const ne = inDir(ctx, ['exec', '--', './not-exec.sh']);
  assert.equal(ne.status, 126);
  await reading(ctx, (ln) => {
    const runs = ln.select(Run).orderBy('startedAt').all();
    assert.deepEqual(runs.map((r) => [r.status, r.error]), [
      ['failed', 'command not found: no-such-command-xyz'],
      ['failed', 'permission denied: ./not-exec.sh'],
    ]);
  });
});

test('a missing --in is an error before anything is written: no ledger, no command run', (ctx) => {
  const r = inDir(ctx, ['exec', '--in', 'missing.fastq', '--', 'touch', 'ran']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^lineage: error FILE_NOT_FOUND: --in missing\.fastq \(no such file\); nothing was recorded/);
  assert.equal(existsSync(ctx.db), false);
  assert.equal(existsSync(join(ctx.dir, 'ran')), false);
  assert.match(inDir(ctx, ['exec', '--in', '*.none', '--', 'true']).stderr, /the pattern matches no file/);
});

test('an --out the command did not write fails the run with the reason, even when it existed before', async (ctx) => {
  const r = inDir(ctx, ['exec', '--out', 'never.txt', '--', 'true']);
  assert.equal(r.status, 1);
  const stale = write(ctx, 'stale.txt', 'old');
  utimesSync(stale, new Date(2020, 0, 1), new Date(2020, 0, 1));
  assert.equal(inDir(ctx, ['exec', '--out', 'stale.txt', '--', 'true']).status, 1);
  assert.equal(inDir(ctx, ['exec', '--out', 'stale.txt', '--', 'sh', '-c', 'echo new > stale.txt']).status, 0);
  await reading(ctx, (ln) => {
    const runs = ln.select(Run).orderBy('startedAt').all();
    assert.equal(runs[0]!.error, 'the command exited with 0 but did not write its outputs: never.txt does not exist');
    assert.equal(runs[1]!.error, 'the command exited with 0 but did not write its outputs: stale.txt was not written (unchanged since before the command ran)');
    assert.equal(runs[2]!.status, 'completed');
    assert.deepEqual(ln.select(File).all().map((f) => f.name), ['stale.txt']);
  });
});

test('globs and folders name sets of files, for --in and --out; the outputs are the files the command wrote', async (ctx) => {
  write(ctx, 'raw/a.csv', 'a');
  write(ctx, 'raw/b.csv', 'b');
  write(ctx, 'raw/skip.txt', 'c');
  write(ctx, 'ref/x/genome.fa', '>x');
  write(ctx, 'out/earlier.csv', 'written by an earlier step, left alone by this one');
  const r = inDir(ctx, ['exec', '--transform', 'analyse', '--in', 'raw/*.csv', '--in', 'ref', '--out', 'out', '--out', 'logs/*.log', '--', 'sh', '-c', 'mkdir -p out/deep logs && cat raw/*.csv > out/all.csv && echo 1 > out/deep/n && echo ok > logs/run.log']);
  assert.equal(r.status, 0, r.stderr);
  await reading(ctx, (ln) => {
    const run = ln.select(Run).one();
    assert.deepEqual(run.inputs.map((f) => f.name).sort(), ['a.csv', 'b.csv', 'genome.fa']);
    // out/earlier.csv was there before and the command left it alone: not this run's output.
    assert.deepEqual(run.outputs.map((f) => f.name).sort(), ['all.csv', 'n', 'run.log']);
  });
});

test('child processes join the run: nested exec, lineage track/add/finish and open() make one tree', async (ctx) => {
  write(ctx, 'tool.mjs', `import { open, Transform, File } from '${INDEX}';\nconst ln = await open(process.env.LINEAGE_DB);\nawait ln.track(new Transform({ name: 'node-tool' }));\nawait ln.add(new File(Buffer.from('from node'), { name: 'node.txt' }));\nawait ln.close();\n`);
  write(
    ctx,
    'pipeline.sh',
    `set -e
$L exec --transform inner --out inner.txt -- sh -c 'echo inner > inner.txt'
RUN=$($L track shell-step --param k=v)
echo shell > shell.txt
$L add shell.txt --run "$RUN"
$L add implicit.txt
$L finish "$RUN"
${process.execPath} tool.mjs
`,
  );
  write(ctx, 'implicit.txt', 'added to the exec run');
  const r = inDir(ctx, ['exec', '--transform', 'outer', '--', 'sh', 'pipeline.sh'], { L });
  assert.equal(r.status, 0, r.stderr);
  await reading(ctx, (ln) => {
    const outer = ln.select(Run).join(Transform, { name: 'outer' }).one();
    assert.equal(outer.status, 'completed');
    assert.equal(outer.parent, undefined);
    const children = outer.children;
    assert.deepEqual(children.map((c) => c.transform.name), ['inner', 'shell-step', 'node-tool']);
    for (const c of children) assert.equal(c.status, 'completed');
    assert.deepEqual(children.map((c) => c.outputs.map((f) => f.name)), [['inner.txt'], ['shell.txt'], ['node.txt']]);
    assert.equal(children[1]!.params?.k, 'v');
    assert.deepEqual(outer.outputs.map((f) => f.name), ['implicit.txt'], 'lineage add without --run adds to $LINEAGE_RUN');
  });
});

test('open() with no path in a child of exec lands in exec\'s ledger ($LINEAGE_DB), as a child run, whatever the working folder', async (ctx) => {
  // The tool runs in another folder: open() must not make a ./.lineage of its own there.
  mkdirSync(join(ctx.dir, 'elsewhere'));
  write(ctx, 'tool.mjs', `import { open, Transform, File } from '${INDEX}';\nconst ln = await open();\nawait ln.track(new Transform({ name: 'pathless-tool' }));\nawait ln.add(new File(Buffer.from('from open()'), { name: 'pathless.txt' }));\nawait ln.close();\n`);
  const r = inDir(ctx, ['exec', '--transform', 'outer', '--', 'sh', '-c', `cd elsewhere && ${JSON.stringify(process.execPath)} ../tool.mjs`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(join(ctx.dir, 'elsewhere', '.lineage')), false, 'no stray ./.lineage');
  await reading(ctx, (ln) => {
    const outer = ln.select(Run).join(Transform, { name: 'outer' }).one();
    assert.deepEqual(outer.children.map((c) => [c.transform.name, c.status, c.outputs.map((f) => f.name)]), [['pathless-tool', 'completed', ['pathless.txt']]]);
  });
});

test('under exec --url, open() with no path refuses with LEDGER_IS_REMOTE and connect($LINEAGE_URL) joins the run', async (ctx) => {
  write(
    ctx,
    'tool.mjs',
    `import { open, connect, Transform } from '${INDEX}';
try { await open(); console.log('opened'); } catch (e) { console.log(e.code); }
const ln = await connect(process.env.LINEAGE_URL, { token: process.env.LINEAGE_TOKEN });
await ln.track(new Transform({ name: 'remote-tool' }));
await ln.finish();
await ln.close();
`,
  );
  const server = await serveChild(ctx.db);
  let stdout = '';
  try {
    const child = spawn(process.execPath, [MAIN, 'exec', '--url', server.url, '--transform', 'outer', '--', process.execPath, 'tool.mjs'], { cwd: ctx.dir, env: { ...process.env, LINEAGE_DB: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    assert.equal(code, 0, stderr);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  assert.equal(stdout.trim(), 'LEDGER_IS_REMOTE');
  assert.equal(existsSync(join(ctx.dir, '.lineage')), false, 'open() wrote nothing locally');
  await reading(ctx, (ln) => {
    const outer = ln.select(Run).join(Transform, { name: 'outer' }).one();
    assert.deepEqual(outer.children.map((c) => [c.transform.name, c.status]), [['remote-tool', 'completed']]);
  });
});

test('Ctrl-C: SIGINT reaches the command, the run is failed as interrupted, the ledger is closed cleanly, and exec dies of SIGINT', async (ctx) => {
  const { child, ended } = started(ctx, ['exec', '--', 'sh', '-c', 'touch running; sleep 30']);
  await until(() => existsSync(join(ctx.dir, 'running')), 'the command to start');
  child.kill('SIGINT');
  const end = await ended;
  assert.equal(end.signal, 'SIGINT', end.stderr);
  await reading(ctx, async (ln) => {
    const run = ln.select(Run).one();
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'interrupted (SIGINT)');
    assert.equal((await ln.verify()).ok, true);
  });
});

test('SIGTERM is forwarded: a command that traps it and exits 5 makes exec exit 5', async (ctx) => {
  const { child, ended } = started(ctx, ['exec', '--', 'sh', '-c', 'trap "exit 5" TERM; touch running; sleep 30 & wait']);
  await until(() => existsSync(join(ctx.dir, 'running')), 'the command to start');
  child.kill('SIGTERM');
  const end = await ended;
  assert.equal(end.code, 5, end.stderr);
  await reading(ctx, (ln) => assert.equal(ln.select(Run).one().error, 'interrupted (SIGTERM): exited with code 5'));
});

test('a ledger held by another process is waited for, and a wait that outlasts --lock-timeout says what to do', async (ctx) => {
  const holder = await open(ctx.db);
  try {
    const short = await started(ctx, ['exec', '--lock-timeout', '1', '--', 'true']).ended;
    assert.equal(short.code, 1);
    assert.match(short.stderr, /^lineage: error LEDGER_LOCKED: ledger \S+ stayed open in another process for 1 s; wait for it to finish, raise --lock-timeout/);
    const patient = started(ctx, ['exec', '--', 'true'], { LINEAGE_LOCK_TIMEOUT: '60' });
    await new Promise((r) => setTimeout(r, 1500));
    await holder.close();
    const end = await patient.ended;
    assert.equal(end.code, 0, end.stderr);
  } finally {
    await holder.close();
  }
  await reading(ctx, (ln) => assert.equal(ln.select(Run, { status: 'completed' }).count(), 1));
  assert.match(inDir(ctx, ['exec', '--', 'true'], { LINEAGE_LOCK_TIMEOUT: 'soon' }).stderr, /LINEAGE_LOCK_TIMEOUT takes seconds/);
});

test('exec --url records through lineage serve: the run, its input and output, and a nested exec as its child', async (ctx) => {
  const server = await serveChild(ctx.db);
  try {
    write(ctx, 'in.txt', 'hello\n');
    const inner = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} exec --transform inner -- true`;
    const { ended } = started(ctx, ['exec', '--url', server.url, '--transform', 'copy@2', '--in', 'in.txt', '--out', 'out.txt', '--', 'sh', '-c', `${inner} && tr a-z A-Z < in.txt > out.txt`], { LINEAGE_DB: '' });
    const r = await ended;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(ctx.dir, 'out.txt'), 'utf8'), 'HELLO\n');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await reading(ctx, (ln) => {
    const run = ln.select(Run).join(File, { name: 'out.txt' }).one();
    assert.equal(run.transform.name, 'copy');
    assert.equal(run.transform.version, '2');
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.inputs.map((f) => f.name), ['in.txt']);
    const child = ln.select(Run).all().find((r) => r.transform.name === 'inner')!;
    assert.equal(child.parent?.id, run.id);
  });
});

test('lineage add --key and --description give the file a key and a description; a second add under the key is its next version', async (ctx) => {
  write(ctx, 'f.txt', 'first');
  const a = inDir(ctx, ['add', 'f.txt', '--key', 'raw/f.txt', '--description', 'lane 1']);
  assert.equal(a.status, 0, a.stderr);
  write(ctx, 'f.txt', 'second');
  assert.equal(inDir(ctx, ['add', 'f.txt', '--key', 'raw/f.txt']).status, 0);
  write(ctx, 'g.txt', 'g');
  const two = inDir(ctx, ['add', 'f.txt', 'g.txt', '--key', 'raw/x']);
  assert.equal(two.status, 2);
  assert.match(two.stderr, /INVALID_ARGUMENT: --key names one file/);
  const bad = inDir(ctx, ['add', 'g.txt', '--key', '/abs/path']);
  assert.equal(bad.status, 2);
  await reading(ctx, (ln) => {
    const latest = ln.select(File, { key: 'raw/f.txt' }).latest()!;
    assert.equal(latest.versions.length, 2);
    assert.equal(latest.versions[0]!.description, 'lane 1');
    assert.equal(ln.select(File, { name: 'g.txt' }).count(), 0, 'nothing was recorded for the refused adds');
  });
});

test('lineage exec --key and --description set its output file\'s key and description', async (ctx) => {
  write(ctx, 'in.txt', 'b\na\n');
  const r = inDir(ctx, ['exec', '--in', 'in.txt', '--out', 'out.txt', '--key', 'sorted/out.txt', '--description', 'sorted lines', '--', 'sort', '-o', 'out.txt', 'in.txt']);
  assert.equal(r.status, 0, r.stderr);
  mkdirSync(join(ctx.dir, 'results'));
  const folder = inDir(ctx, ['exec', '--out', 'results', '--key', 'k', '--', 'true']);
  assert.equal(folder.status, 2);
  assert.equal(inDir(ctx, ['exec', '--out', 'later/', '--key', 'k', '--', 'true']).status, 2, 'a folder that does not exist yet');
  assert.equal(inDir(ctx, ['exec', '--out', 'a.txt', '--out', 'b.txt', '--key', 'k', '--', 'true']).status, 2, 'two outputs');
  assert.equal(folder.status, 2);
  assert.match(folder.stderr, /--key names one output file/);
  await reading(ctx, (ln) => {
    const out = ln.select(File, { key: 'sorted/out.txt' }).one();
    assert.equal(out.name, 'out.txt');
    assert.equal(out.description, 'sorted lines');
    assert.equal(out.run?.transform.name, 'sort');
    assert.equal(ln.select(File, { name: 'in.txt' }).one().key, undefined, 'inputs get no key');
  });
});

test('lineage rm moves a record to the trash, restore brings it back, rm --permanent erases a trashed file\'s content', async (ctx) => {
  write(ctx, 'p.csv', 'personal');
  assert.equal(inDir(ctx, ['add', 'p.csv']).status, 0);
  const perm = inDir(ctx, ['rm', 'p.csv', '--permanent']);
  assert.equal(perm.status, 1);
  assert.match(perm.stderr, /NOT_IN_TRASH/);
  const rm = inDir(ctx, ['rm', 'p.csv']);
  assert.equal(rm.status, 0, rm.stderr);
  assert.match(rm.stdout, /moved to the trash: file p\.csv/);
  assert.equal(inDir(ctx, ['restore', 'p.csv']).status, 0);
  assert.equal(inDir(ctx, ['rm', 'p.csv']).status, 0);
  const shown = inDir(ctx, ['show', 'p.csv']);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /trash/);
  const erased = inDir(ctx, ['rm', 'p.csv', '--permanent']);
  assert.equal(erased.status, 0, erased.stderr);
  const again = inDir(ctx, ['restore', 'p.csv']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /CONTENT_ERASED/);
  assert.match(inDir(ctx, ['show', 'p.csv']).stdout, /stored\s+erased /);
  assert.equal(inDir(ctx, ['verify']).status, 0);
  const contents = inDir(ctx, ['verify', '--contents']);
  assert.equal(contents.status, 0, contents.stderr);
  assert.match(contents.stdout, /contents: 0 checked, 1 erased by an event, 0 never stored, 0 problem/);
  const graph = inDir(ctx, ['graph', 'p.csv']);
  assert.equal(graph.status, 0, graph.stderr);
  assert.match(graph.stdout, /\[trashed, content erased\]/, 'the picture marks the erased file');
  assert.match(inDir(ctx, ['history', 'p.csv']).stdout, /file\.erased/);
  const log = inDir(ctx, ['log']);
  assert.match(log.stdout, /record\.trashed/);
  assert.match(log.stdout, /file\.erased/);
  await reading(ctx, async (ln) => {
    const f = ln.select(File).onlyTrashed().one();
    await assert.rejects(f.load(), (e: unknown) => (e as { code?: string }).code === 'CONTENT_ERASED');
  });
});

test('lineage track prints a run id; finish ends it once; add needs a started run', async (ctx) => {
  const t = inDir(ctx, ['track', 'step1@3', '--param', 'a=1']);
  assert.equal(t.status, 0, t.stderr);
  const id = t.stdout.trim();
  write(ctx, 'o.txt', 'o');
  assert.equal(inDir(ctx, ['add', 'o.txt', '--run', id]).status, 0);
  assert.equal(inDir(ctx, ['finish', id, '--error', 'disk full']).status, 0);
  const again = inDir(ctx, ['finish', id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /has already ended \(failed\)/);
  write(ctx, 'late.txt', 'late');
  assert.match(inDir(ctx, ['add', 'late.txt', '--run', id]).stderr, /INVALID_ARGUMENT: run \S+ has already ended/);
  assert.match(inDir(ctx, ['finish', 'nope']).stderr, /RUN_NOT_FOUND/);
  await reading(ctx, (ln) => {
    const run = ln.select(Run, { id }).one();
    assert.equal(run.transform.version, '3');
    assert.deepEqual([run.status, run.error, run.params], ['failed', 'disk full', { a: '1' }]);
    assert.deepEqual(run.outputs.map((f) => f.name), ['o.txt']);
  });
});

test.run();

const make = requiring(suite<Ctx>('lineage exec under make -j8'), onPath('make') ? undefined : 'make is not installed (apt-get install make)');
make.before((ctx) => {
  const { dir, cleanup } = tempDir('lineage-make-');
  Object.assign(ctx, { dir, db: join(dir, 'ledger'), cleanup });
});
make.after((ctx) => ctx.cleanup());

make('a Makefile of lineage exec steps run 8 at a time records the complete, correct graph', async (ctx) => {
  const parts = [1, 2, 3, 4, 5, 6, 7, 8];
  write(ctx, 'input.txt.gz', gzipSync(Array.from({ length: 400 }, (_, i) => `${(i * 7919) % 400}`).join('\n') + '\n'));
  write(
    ctx,
    'Makefile',
    `PARTS = ${parts.join(' ')}
all: merged.txt
reads.txt: input.txt.gz
\t$(L) exec --transform gunzip --in $< --out $@ -- sh -c 'gzip -dc $< > $@'
part%.txt: reads.txt
\t$(L) exec --transform split --in $< --out $@ --param part=$* -- sh -c 'awk "NR % 8 == $* % 8" $< > $@'
sorted%.txt: part%.txt
\t$(L) exec --transform sort --in $< --out $@ -- sort -n -o $@ $<
merged.txt: $(foreach p,$(PARTS),sorted$(p).txt)
\t$(L) exec --transform merge $(foreach p,$^,--in $(p)) --out $@ -- sort -n -m -o $@ $^
`,
  );
  const r = spawnSync('make', ['-j8', '-s', `L=${L}`], { cwd: ctx.dir, env: { ...process.env, LINEAGE_DB: ctx.db }, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readFileSync(join(ctx.dir, 'merged.txt'), 'utf8').trim().split('\n').map(Number), Array.from({ length: 400 }, (_, i) => i));
  await reading(ctx, async (ln) => {
    assert.equal(ln.select(Run).count(), 1 + 8 + 8 + 1);
    assert.equal(ln.select(Run, { status: 'completed' }).count(), 18);
    assert.equal(ln.select(File).count(), 1 + 1 + 8 + 8 + 1);
    const merged = ln.select(File, { name: 'merged.txt' }).one();
    assert.deepEqual(merged.run!.inputs.map((f) => f.name).sort(), parts.map((p) => `sorted${p}.txt`).sort());
    for (const p of parts) {
      const sorted = ln.select(File, { name: `sorted${p}.txt` }).one();
      const part = sorted.run!.inputs[0]!;
      assert.equal(part.name, `part${p}.txt`);
      assert.equal(part.run!.params?.part, String(p));
      assert.equal(part.run!.inputs[0]!.name, 'reads.txt');
    }
    const up = ln.lineage(merged, { direction: 'upstream' });
    assert.equal(up.nodes.filter((n) => n.kind === 'run').length, 18);
    assert.ok(up.nodes.some((n) => n.kind === 'file' && n.label === 'input.txt.gz'));
    assert.equal((await ln.verify()).ok, true);
  });
});

make.run();

const ROOT = new URL('../../../', import.meta.url);
const missing = !onPath('make') ? 'make is not installed (apt-get install make)' : !onPath('samtools') ? 'samtools is not installed (apt-get install samtools)' : undefined;
const example = requiring(suite<Ctx>("the README's Makefile"), missing);
example.before((ctx) => {
  const { dir, cleanup } = tempDir('lineage-example-');
  Object.assign(ctx, { dir, db: join(dir, '.lineage'), cleanup });
});
example.after((ctx) => ctx.cleanup());

example('is quoted in the README as it is, and takes the demo FASTQ to a BAM with the graph the README shows', async (ctx) => {
  const makefile = readFileSync(new URL('examples/exec/Makefile', ROOT), 'utf8');
  assert.ok(readFileSync(new URL('README.md', ROOT), 'utf8').includes(`\`\`\`make\n${makefile}\`\`\``), 'the README quotes examples/exec/Makefile');
  writeFileSync(join(ctx.dir, 'Makefile'), makefile);
  writeFileSync(join(ctx.dir, 'input.fastq.gz'), readFileSync(new URL('fixtures/data/input.fastq.gz', ROOT)));
  const env = { ...process.env };
  delete env.LINEAGE_DB; // the Makefile's default, .lineage beside it
  const r = spawnSync('make', ['-j4', '-s', `LINEAGE=${L}`], { cwd: ctx.dir, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(spawnSync('samtools', ['view', '-c', 'output.bam'], { cwd: ctx.dir, encoding: 'utf8' }).stdout.trim(), '8');
  const graph = inDir(ctx, ['graph', 'output.bam']);
  assert.equal(graph.status, 0, graph.stderr);
  const steps = [...graph.stdout.matchAll(/run \S+ of ([^,]+),|input (\S+) \(file/g)].map((m) => m[1] ?? m[2]);
  assert.deepEqual(steps, ['samtools-import v1.16', 'sorted.fastq', 'sort-reads v1', 'reads.fastq', 'gunzip v1', 'input.fastq.gz']);
  await reading(ctx, (ln) => assert.equal(ln.select(File, { name: 'read-count.txt' }).one().run!.inputs[0]!.name, 'reads.fastq'));
});

example.run();

const snakeMissing = !onPath('snakemake') ? 'snakemake is not installed (apt-get install snakemake)' : !onPath('samtools') ? 'samtools is not installed (apt-get install samtools)' : undefined;
const snake = requiring(suite<Ctx>("the README's Snakefile"), snakeMissing);
snake.before((ctx) => {
  const { dir, cleanup } = tempDir('lineage-snake-');
  Object.assign(ctx, { dir, db: join(dir, '.lineage'), cleanup });
});
snake.after((ctx) => ctx.cleanup());

snake('is quoted in the README as it is, and snakemake --cores 4 over it records the same graph as the Makefile', async (ctx) => {
  const snakefile = readFileSync(new URL('examples/exec/Snakefile', ROOT), 'utf8');
  assert.ok(readFileSync(new URL('README.md', ROOT), 'utf8').includes(`\`\`\`python\n${snakefile}\`\`\``), 'the README quotes examples/exec/Snakefile');
  writeFileSync(join(ctx.dir, 'Snakefile'), snakefile);
  writeFileSync(join(ctx.dir, 'input.fastq.gz'), readFileSync(new URL('fixtures/data/input.fastq.gz', ROOT)));
  // The Snakefile calls `lineage` as an installed package would put it on the PATH.
  const bin = join(ctx.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'lineage'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`);
  chmodSync(join(bin, 'lineage'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, LINEAGE_DB: '.lineage' };
  const r = spawnSync('snakemake', ['--cores', '4', '--quiet'], { cwd: ctx.dir, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(spawnSync('samtools', ['view', '-c', 'output.bam'], { cwd: ctx.dir, encoding: 'utf8' }).stdout.trim(), '8');
  const graph = inDir(ctx, ['graph', 'output.bam']);
  assert.equal(graph.status, 0, graph.stderr);
  const steps = [...graph.stdout.matchAll(/run \S+ of ([^,]+),|input (\S+) \(file/g)].map((m) => m[1] ?? m[2]);
  assert.deepEqual(steps, ['samtools-import v1.16', 'sorted.fastq', 'sort-reads v1', 'reads.fastq', 'gunzip v1', 'input.fastq.gz']);
  await reading(ctx, (ln) => {
    assert.deepEqual(ln.select(Run).all().map((run) => [run.transform.name, run.status]).sort(), [['count-reads', 'completed'], ['gunzip', 'completed'], ['samtools-import', 'completed'], ['sort-reads', 'completed']]);
    assert.equal(ln.select(File, { name: 'read-count.txt' }).one().run!.inputs[0]!.name, 'reads.fastq');
  });
});

snake.run();
