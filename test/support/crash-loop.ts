import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, File, Run, Transform, type Durability } from 'lineage-ledger';
import { validateEvent } from '../../lib/events/catalog.js';
import { readJournal } from '../../lib/log/journal.js';
import { walkChain, walkChainAndJournal } from './chain.js';
import { contentOf } from './crash-content.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** What a crash loop did. */
export interface CrashFigures {
  kills: number;
  killedBeforeOpen: number;
  acknowledged: number;
  /** Events in all the ledgers at the end. */
  events: number;
  byMode: Record<Durability, number>;
  /** Kills in 'journal' mode after which LevelDB was behind what was acknowledged, and the journal held the rest. */
  journalAhead: number;
  /** Kills in 'batched' mode after which LevelDB was behind events acknowledged inside runs (the journal held them). */
  batchedAhead: number;
  /** Finished runs and adds outside a run checked to be in LevelDB itself ('batched'). */
  levelChecked: number;
  /** Adds outside a run ('batched') that the journal skipped, below a later frame of it: gaps its replay had to accept. */
  journalGaps: number;
}

/** Which modes a crash loop takes turns in, and what the child does. */
export interface CrashOptions {
  modes?: readonly Durability[];
  /** The child runs one scoped run at a time with pauses, beside its adds outside a run (see crash-child.ts). */
  sparse?: boolean;
}

interface Acks {
  opened: number | undefined;
  maxSeq: number;
  files: { id: string; name: string; big: boolean }[];
  /** Files added outside any run scope. */
  loose: string[];
  runs: string[];
  inputs: { fileId: string; runId: string }[];
  /** Files whose erase was acknowledged. */
  erased: string[];
  labels: { fileId: string; label: string }[];
  started: { runId: string; reference: string }[];
  count: number;
}

/**
 * Kills a child that appends to one ledger `kills` times with SIGKILL at random moments; after each
 * kill, checks the stored chain and every acknowledged event, and appends again.
 */
export async function crashLoop(dir: string, kills: number, perLedger = 10, random: () => number = Math.random, progress?: (i: number) => void, options: CrashOptions = {}): Promise<CrashFigures> {
  const figures: CrashFigures = { kills: 0, killedBeforeOpen: 0, acknowledged: 0, events: 0, byMode: { sync: 0, batched: 0, journal: 0, none: 0 }, journalAhead: 0, batchedAhead: 0, levelChecked: 0, journalGaps: 0 };
  const modes = options.modes ?? (['sync', 'batched', 'journal'] as const);
  const tags: string[] = [];
  let path = '';
  for (let i = 0; i < kills; i++) {
    // A fresh ledger every `perLedger` kills keeps replays short; within one, crashes pile up on each other.
    if (i % perLedger === 0) {
      if (path) figures.events += await lastHead(path);
      path = join(dir, `ledger-${i}`);
      tags.length = 0;
    }
    const mode: Durability = modes[i % modes.length]!;
    const tag = `k${i}`;
    tags.push(tag);
    const acks = await runAndKill(path, mode, tag, random, options.sparse === true);
    figures.kills++;
    figures.byMode[mode]++;
    if (acks.opened === undefined) figures.killedBeforeOpen++;
    figures.acknowledged += acks.count;
    const { ahead, levelChecked, journalGaps } = await checkAfterCrash(path, acks, tags, i, mode);
    figures.journalGaps += journalGaps;
    if (ahead && mode === 'journal') figures.journalAhead++;
    if (ahead && mode === 'batched') figures.batchedAhead++;
    figures.levelChecked += levelChecked;
    progress?.(i);
  }
  if (path) figures.events += await lastHead(path);
  return figures;
}

function runAndKill(path: string, mode: Durability, tag: string, random: () => number, sparse: boolean): Promise<Acks> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, path, mode, tag, ...(sparse ? ['sparse'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    // Most kills land while appends are in flight; some land while the child is still opening and replaying.
    if (random() < 0.1) timer = setTimeout(kill, 20 + random() * 300);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      const first = !out.includes('\n');
      out += d;
      // 'batched' waits longer, so that kills also land after finished runs (acknowledged once LevelDB holds them).
      // A sparse child pauses 250–350 ms between runs: it is given time for a few.
      if (first && out.includes('\n') && !timer) timer = setTimeout(kill, sparse ? 300 + random() * 1200 : random() * (mode === 'batched' ? 400 : 150));
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`crash child ended by itself (code ${code}): ${err}`));
      resolve(parseAcks(out));
    });
  });
}

function parseAcks(out: string): Acks {
  // Only whole lines count: a line cut by the kill was never fully acknowledged.
  const lines = out.slice(0, out.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  const acks: Acks = { opened: undefined, maxSeq: 0, files: [], loose: [], runs: [], inputs: [], erased: [], labels: [], started: [], count: 0 };
  for (const line of lines) {
    const [what, ...rest] = line.split(' ');
    if (what === 'open') {
      acks.opened = Number(rest[0]);
      continue;
    }
    acks.count++;
    const [kind, a, b, c, d] = rest as [string, string, string, string, string];
    if (kind === 'file' || kind === 'loose') {
      acks.files.push({ id: a, name: c, big: d === 'big' });
      if (kind === 'loose') acks.loose.push(a);
      acks.maxSeq = Math.max(acks.maxSeq, Number(b));
    } else if (kind === 'erased') {
      acks.erased.push(a);
    } else if (kind === 'label') {
      acks.labels.push({ fileId: a, label: c });
      acks.maxSeq = Math.max(acks.maxSeq, Number(b));
    } else if (kind === 'input') {
      acks.inputs.push({ fileId: a, runId: b });
      acks.maxSeq = Math.max(acks.maxSeq, Number(c));
    } else {
      if (kind === 'run-finished') acks.runs.push(a);
      if (kind === 'run-started') acks.started.push({ runId: a, reference: c });
      acks.maxSeq = Math.max(acks.maxSeq, Number(b));
    }
  }
  return acks;
}

async function lastHead(path: string): Promise<number> {
  return (await walkChain(path)).head.seq;
}

/**
 * Checks the ledger after kill `i`: whether LevelDB was behind an acknowledged event (only the journal
 * held it), and how many acknowledgements were checked to be in LevelDB itself.
 */
async function checkAfterCrash(path: string, acks: Acks, tags: string[], i: number, mode: Durability): Promise<{ ahead: boolean; levelChecked: number; journalGaps: number }> {
  // The stored bytes first, through a raw handle, before the library touches them: LevelDB's chain,
  // continued by the journal's (a kill in 'journal' or 'batched' mode can leave LevelDB behind what was acknowledged).
  const chain = await walkChainAndJournal(path);
  const level = await walkChain(path);
  const ahead = level.head.seq < acks.maxSeq;
  // 'sync' acknowledges every event only once LevelDB has it.
  if (mode === 'sync') assert.ok(!ahead, `after kill ${i} (${mode}): acknowledged seq ${acks.maxSeq} but LevelDB's log ends at ${level.head.seq}`);
  assert.equal(chain.broken, undefined, `after kill ${i}: the chain breaks at ${chain.broken?.key}: ${chain.broken?.reason}`);
  let levelChecked = 0;
  let journalGaps = 0;
  if (mode === 'batched') {
    // A finished run's events, and an add outside a run, are acknowledged only once LevelDB holds them
    // and everything before them: LevelDB's own chain reaches the run's finish, the file's creation.
    const finishedAt = new Map<string, number>();
    const createdAt = new Map<string, number>();
    for (const { env } of chain.events) {
      if (env.type === 'run.finished') finishedAt.set(env.data.runId as string, env.seq);
      if (env.type === 'file.created') createdAt.set(env.data.id as string, env.seq);
    }
    for (const id of acks.runs) {
      const seq = finishedAt.get(id);
      assert.ok(seq !== undefined && seq <= level.head.seq, `after kill ${i} (batched): run ${id} finished at seq ${seq}, but LevelDB's log ends at ${level.head.seq}`);
      levelChecked++;
    }
    // The journal skips an add outside a run when LevelDB holds every event before it: a gap in its frames, below LevelDB's head.
    const journaled = new Set<number>();
    for (const frame of readJournal(path).frames) for (const bytes of frame.events) journaled.add((JSON.parse(Buffer.from(bytes).toString('utf8')) as { seq: number }).seq);
    const lastJournaled = Math.max(0, ...journaled);
    for (const id of acks.loose) {
      const seq = createdAt.get(id);
      assert.ok(seq !== undefined && seq <= level.head.seq, `after kill ${i} (batched): file ${id}, added outside a run, is at seq ${seq}, but LevelDB's log ends at ${level.head.seq}`);
      levelChecked++;
      if (!journaled.has(seq) && seq < lastJournaled) journalGaps++;
    }
  }
  assert.ok(chain.head.seq >= acks.maxSeq, `after kill ${i}: acknowledged seq ${acks.maxSeq} but the log ends at ${chain.head.seq}`);
  if (acks.opened !== undefined) assert.ok(chain.head.seq >= acks.opened, `after kill ${i}: the log shrank below ${acks.opened}`);
  checkEvents(chain.events.map((e) => e.env), tags, i);

  const ledger = await open(path);
  try {
    assert.deepEqual(ledger.head, chain.head, `after kill ${i}: the ledger's head differs from the stored chain`);
    for (const f of acks.files) {
      const file = ledger.select(File, { id: f.id }).one();
      assert.equal(file.name, f.name);
      // An erase whose acknowledgement the kill cut may have happened: then the content is gone, as told.
      if (file.erased) await assert.rejects(file.load(), (e: { code?: string }) => e.code === 'CONTENT_ERASED');
      else assert.deepEqual(await file.load(), contentOf(f.name, f.big), `after kill ${i}: content of ${f.name}`);
    }
    for (const id of acks.erased) {
      const file = ledger.select(File, { id }).one();
      assert.ok(file.trashed && file.erased, `after kill ${i}: the acknowledged erase of ${id} is lost`);
    }
    for (const id of acks.runs) assert.equal(ledger.select(Run, { id }).one().status, 'completed');
    for (const x of acks.inputs) {
      const run = ledger.select(Run, { id: x.runId }).one();
      assert.ok(run.inputs.some((f) => f.id === x.fileId) || run.outputs.some((f) => f.id === x.fileId), `after kill ${i}: input ${x.fileId} of run ${x.runId} is lost`);
    }
    for (const x of acks.labels) assert.ok(ledger.select(File, { id: x.fileId }).one().labels.has(x.label), `after kill ${i}: label ${x.label} of file ${x.fileId} is lost`);
    for (const x of acks.started) assert.equal(ledger.select(Run, { id: x.runId }).one().reference, x.reference, `after kill ${i}: the reference of run ${x.runId} is lost`);
    // The ledger takes new appends, contiguous with what survived.
    const before = ledger.head.seq;
    await ledger.run(new Transform({ name: 'after-crash' }), async () => {
      await ledger.add(new File(Buffer.from(`after crash ${i}`), { name: `after-${i}.txt` }));
    });
    const after = ledger.select(File, { name: `after-${i}.txt` }).one();
    assert.equal(after.run!.status, 'completed');
    assert.ok(ledger.head.seq >= before + 3, `after kill ${i}: the new run, file and finish are appended after ${before}`);
  } finally {
    await ledger.close();
  }
  return { ahead, levelChecked, journalGaps };
}

/** Every stored event passes its schema, and refers only to what came before it (no partial or invented event). */
function checkEvents(events: { seq: number; type: string; v: number; data: Record<string, unknown> }[], tags: string[], i: number): void {
  const transforms = new Set<string>();
  const runs = new Set<string>();
  const files = new Set<string>();
  for (const e of events) {
    validateEvent(e.type, e.v, e.data);
    const d = e.data as Record<string, string>;
    const where = `after kill ${i}, event ${e.seq} (${e.type})`;
    switch (e.type) {
      case 'transform.registered':
        assert.ok(!transforms.has(d.id!), where);
        assert.ok(['crash-a', 'crash-b', 'after-crash'].includes(d.name!), `${where}: unknown transform ${d.name}`);
        transforms.add(d.id!);
        break;
      case 'run.started':
        assert.ok(transforms.has(d.transformId!) && !runs.has(d.id!), where);
        runs.add(d.id!);
        break;
      case 'file.created':
        assert.ok(!files.has(d.id!) && (d.runId === undefined || runs.has(d.runId)), where);
        assert.ok(tags.some((t) => d.name!.startsWith(`${t}-`)) || /^after-\d+\.txt$/.test(d.name!), `${where}: a file nobody added: ${d.name}`);
        files.add(d.id!);
        break;
      case 'file.loaded_as_input':
        assert.ok(files.has(d.fileId!) && runs.has(d.runId!), where);
        break;
      case 'run.finished':
        assert.ok(runs.has(d.runId!), where);
        break;
      case 'file.versioned':
      case 'file.erased':
        assert.ok(files.has(d.fileId!), where);
        break;
      case 'record.trashed':
      case 'record.described':
        assert.ok(files.has(d.id!), where);
        break;
      case 'label.added':
        assert.ok(d.kind === 'file' && files.has(d.id!), where);
        break;
      case 'run.referenced':
        assert.ok(runs.has(d.runId!) && d.reference!.startsWith('ref-'), where);
        break;
      default:
        assert.fail(`${where}: unexpected event type`);
    }
  }
}
