import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { File, Transform, open } from 'lineage-ledger';
import { walkChain } from './support/chain.js';
import type { Opened, Probe } from './support/probe.js';
import { tempDir } from './helpers.js';

const PROBE = fileURLToPath(new URL('./support/probe.js', import.meta.url));
const CLI = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const test = suite('corruption of a closed ledger');

/** A ledger whose events live both in LevelDB tables (.ldb) and in its write-ahead log (.log). */
async function pristine(path: string): Promise<void> {
  for (const session of [1, 2]) {
    const ledger = await open(path);
    await ledger.track(new Transform({ name: `make ${session}`, version: '1' }));
    const made: File[] = [];
    for (let i = 0; i < 40; i++) made.push((await ledger.add(new File(Buffer.from(`session ${session} file ${i}\n`.repeat(20)), { name: `s${session}-${i}.txt` }))) as File);
    await ledger.track(new Transform({ name: `use ${session}`, version: '1' }));
    for (const f of made.slice(0, 10)) await f.load({ isRunInput: true });
    await ledger.close();
  }
}

interface Case {
  file: string;
  kind: string;
  damage: string;
  path: string;
}

/** Byte flips and truncations of each of LevelDB's own files, each on a fresh copy. */
function damage(base: string, root: string): Case[] {
  const cases: Case[] = [];
  const files = readdirSync(join(base, 'log')).filter((f) => /\.(log|ldb)$|^MANIFEST-|^CURRENT$/.test(f));
  let n = 0;
  for (const file of files) {
    const size = statSync(join(base, 'log', file)).size;
    const kind = file.startsWith('MANIFEST') ? 'MANIFEST' : file === 'CURRENT' ? 'CURRENT' : file.slice(file.lastIndexOf('.'));
    const flips = [...new Set([0, 1, 7, Math.floor(size / 5), Math.floor(size / 3), Math.floor(size / 2), Math.floor((2 * size) / 3), Math.floor((4 * size) / 5), size - 40, size - 10, size - 1].filter((p) => p >= 0 && p < size))];
    const cuts = [...new Set([0, Math.floor(size / 2), size - 1, size - 20].filter((c) => c >= 0 && c < size))];
    const variants: [string, (p: string) => void][] = [
      ...flips.map((at): [string, (p: string) => void] => [`flip byte ${at}`, (p) => flip(p, at)]),
      ...cuts.map((to): [string, (p: string) => void] => [`truncate to ${to} of ${size} bytes`, (p) => truncateSync(p, to)]),
      ['delete', (p) => unlinkSync(p)],
    ];
    // As after a crash: no head recorded at a clean close, so only LevelDB's own checks remain.
    if (kind === '.log') {
      for (const to of cuts) variants.push([`truncate to ${to} of ${size} bytes, no clean close`, (p) => (truncateSync(p, to), unlinkSync(join(p, '..', '..', 'head.json')))]);
    }
    for (const [what, apply] of variants) {
      const path = join(root, `case-${n++}`);
      cpSync(base, path, { recursive: true });
      apply(join(path, 'log', file));
      cases.push({ file, kind, damage: what, path });
    }
  }
  return cases;
}

function flip(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] = bytes[at]! ^ 0x5a;
  writeFileSync(path, bytes);
}

/** Probes ledgers in child processes; a child that dies (a native crash) is reported against its ledger. */
function probe(paths: string[], repair: boolean): Probe[] {
  const out: Probe[] = [];
  let rest = paths;
  while (rest.length) {
    const child = spawnSync(process.execPath, [PROBE, ...(repair ? ['--repair'] : []), ...rest], { encoding: 'utf8', timeout: 120_000 });
    const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Probe);
    out.push(...lines);
    if (lines.length === rest.length) break;
    out.push({ path: rest[lines.length]!, ok: false, crash: `the process died (${child.signal ?? child.status}): ${child.stderr.slice(0, 2000)}` });
    rest = rest.slice(lines.length + 1);
  }
  return out;
}

test('every flipped byte or truncation of .log, .ldb, MANIFEST and CURRENT opens with correct answers or fails with LEDGER_CORRUPT; repair keeps an intact prefix', async () => {
  const { dir, cleanup } = tempDir('lineage-corrupt-');
  try {
    const base = join(dir, 'pristine');
    await pristine(base);
    // Damage copies first: opening the ledger (even raw) makes LevelDB fold its .log into a table.
    const cases = damage(base, dir);
    const chain = await walkChain(base);
    assert.equal(chain.broken, undefined);
    const hashAt = new Map(chain.events.map((e) => [e.key, e.hash]));
    hashAt.set(0, '0'.repeat(64));
    const [clean, ...probes] = probe([base, ...cases.map((c) => c.path)], true);
    assert.ok(clean!.ok, 'the pristine ledger opens');
    const reference = clean as Extract<Opened, { ok: true }>;

    // A ledger that opens answers as the pristine one did, up to its head: same chain, same bytes.
    const correct = (o: Opened, where: string): Extract<Opened, { ok: true }> => {
      assert.ok(!('crash' in o), `${where}: crashed: ${'crash' in o ? o.crash : ''}`);
      assert.ok(o.ok, `${where}: ${JSON.stringify(o)}`);
      assert.equal(o.head.hash, hashAt.get(o.head.seq), `${where}: head ${o.head.seq} is not the pristine event`);
      if (o.head.seq === reference.head.seq) assert.equal(o.digest, reference.digest, `${where}: different answers`);
      for (const l of o.loads) assert.ok(['ok', 'INTEGRITY_MISMATCH', 'CONTENT_MISSING', 'LEDGER_CORRUPT'].includes(l), `${where}: load gave ${l}`);
      return o;
    };
    const table = new Map<string, number>();
    const count = (k: string) => table.set(k, (table.get(k) ?? 0) + 1);
    let lost = 0;
    let silent = 0;
    for (const [i, p] of probes.entries()) {
      const c = cases[i]!;
      const where = `${c.damage} of ${c.file}`;
      assert.ok(!('crash' in p), `${where}: crashed instead of a coded error: ${'crash' in p ? p.crash : ''}`);
      if (p.ok) {
        const o = correct(p, where);
        const bad = o.loads.filter((l) => l !== 'ok').length;
        if (c.damage.endsWith('no clean close') && o.head.seq < reference.head.seq) {
          // LevelDB drops a torn tail of its write-ahead log without a word; what remains is a correct, shorter ledger.
          silent += reference.head.seq - o.head.seq;
          count(`${c.kind}: opens as a correct prefix, the torn tail silently dropped (no clean close)`);
          continue;
        }
        assert.equal(o.head.seq, reference.head.seq, `${where}: opened without a word, but ${reference.head.seq - o.head.seq} events are gone`);
        count(`${c.kind}: opens, chain intact, same answers${bad ? `, ${bad} damaged contents refused on load` : ''}`);
        continue;
      }
      assert.ok('code' in p);
      assert.equal(p.code, 'LEDGER_CORRUPT', `${where}: ${p.message}`);
      assert.ok(p.message.includes(c.path), `${where}: the message names the ledger: ${p.message}`);
      assert.match(p.message, /lineage repair --db/, `${where}: the message says what to do`);
      assert.ok(p.repaired && !('crash' in p.repaired) && !('code' in p.repaired), `${where}: repair failed: ${JSON.stringify(p.repaired)}`);
      const after = correct(p.after!, `${where}, after repair ${JSON.stringify(p.repaired)}`);
      assert.equal(after.head.seq, p.repaired.events);
      lost += reference.head.seq - after.head.seq;
      count(`${c.kind}: LEDGER_CORRUPT; repair keeps ${after.head.seq === reference.head.seq ? 'every event' : 'an intact prefix'}`);
    }
    console.log(`  corruption: ${cases.length} damaged copies of a ${reference.head.seq}-event ledger; repairs set aside ${lost} events in all; ${silent} events silently dropped with torn .log tails after no clean close`);
    for (const [k, v] of [...table.entries()].sort()) console.log(`    ${String(v).padStart(3)}  ${k}`);
  } finally {
    cleanup();
  }
});

test('lineage repair, from the command line, reports what survived and the ledger opens again', async () => {
  const { dir, cleanup } = tempDir('lineage-repair-');
  try {
    const path = join(dir, 'ledger');
    await pristine(path);
    const ldb = readdirSync(join(path, 'log')).find((f) => f.endsWith('.ldb'))!;
    truncateSync(join(path, 'log', ldb), Math.floor(statSync(join(path, 'log', ldb)).size / 2));
    const before = spawnSync(process.execPath, [CLI, '--db', path, 'stats'], { encoding: 'utf8' });
    assert.equal(before.status, 1);
    assert.match(before.stderr, /LEDGER_CORRUPT/);
    assert.doesNotMatch(before.stderr, /\n\s+at /, 'no stack trace');
    const run = spawnSync(process.execPath, [CLI, '--db', path, 'repair'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /intact\s+\d+ events/);
    const after = spawnSync(process.execPath, [CLI, '--db', path, 'stats', '--json'], { encoding: 'utf8' });
    assert.equal(after.status, 0, after.stderr);
    const chain = await walkChain(path);
    assert.equal(chain.broken, undefined);
    assert.equal(JSON.parse(after.stdout).events, chain.head.seq);
  } finally {
    cleanup();
  }
});

test.run();
