import type { EventInput } from '../lib/events/types.js';
import { LIMITS } from '../lib/limits.js';

/** What the synthetic workload is made of, besides its events: the keys the queries look up. */
export interface Workload {
  events: EventInput[];
  /** Counts by kind. */
  transforms: number;
  runs: number;
  files: number;
  inputs: number;
  /** The last file of the deep chain, and the chain's length in runs. */
  chainTip: { id: string; name: string };
  chainLength: number;
  /** A file at the end of a workflow of chained runs, a few hops deep. */
  typicalFile: { id: string; name: string };
  /** Keys that the point queries cycle through, picked at random from the workload. */
  fileNames: string[];
  fileIds: string[];
  runIds: string[];
  /** The seq of each sampled file's creation, when the events are appended to an empty log in order. */
  fileSeqs: number[];
}

/** Options of the generator. */
export interface WorkloadOptions {
  /** About how many events (the deep chain included). */
  events: number;
  seed: number;
  /** Runs in the deep chain (default 1,000). */
  chainLength?: number;
  /** How many keys the point queries cycle through (default 1,000). */
  sampleKeys?: number;
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same workload everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SUFFIXES = ['.csv', '.parquet', '.fastq.gz', '.bam', '.h5ad', '.json', '.png'];
const TYPES = ['pipeline', 'script', 'notebook', 'function'] as const;
const BASE_TIME = Date.UTC(2026, 0, 1);

/**
 * A deterministic lineage workload: transforms with versions; workflows of chained runs, each run
 * reading earlier files and writing new ones; and one deep chain of runs (file → run → file …).
 */
export function generateWorkload(options: WorkloadOptions): Workload {
  const rnd = prng(options.seed);
  const chainLength = options.chainLength ?? 1000;
  const sampleKeys = options.sampleKeys ?? 1000;
  const events: EventInput[] = [];
  const int = (n: number) => Math.floor(rnd() * n);
  const id = () => {
    let s = '';
    for (let i = 0; i < 16; i++) s += ALPHABET[int(62)];
    return s;
  };
  const hex = () => {
    let s = '';
    for (let i = 0; i < 64; i++) s += '0123456789abcdef'[int(16)];
    return s;
  };
  const time = () => new Date(BASE_TIME + events.length * 10).toISOString();

  const transformIds: string[] = [];
  const files: { id: string; name: string; seq: number }[] = [];
  const runIds: string[] = [];
  let inputs = 0;

  const names = Math.max(4, Math.round(options.events / 3000));
  for (let n = 0; n < names; n++) {
    const name = `transform-${n}`;
    const versions = 1 + int(3);
    let revises: string | undefined;
    for (let v = 1; v <= versions; v++) {
      const tid = id();
      const data = { id: tid, name, version: String(v), type: TYPES[n % TYPES.length]!, reference: `https://example.org/${name}`, hash: hex(), ...(revises ? { revises } : {}) };
      events.push({ type: 'transform.registered', data });
      transformIds.push(tid);
      revises = tid;
    }
  }

  const run = (reads: string[], writes: number, parentRunId?: string): { id: string; name: string }[] => {
    const rid = id();
    runIds.push(rid);
    const transformId = transformIds[int(transformIds.length)]!;
    events.push({
      type: 'run.started',
      data: { id: rid, transformId, name: `run-${runIds.length}`, params: { lr: 0.001 * (1 + int(9)), epochs: 1 + int(50), sample: `S${int(1000)}` }, ...(parentRunId ? { parentRunId } : {}), startedAt: time() },
    });
    for (const fileId of new Set(reads)) {
      events.push({ type: 'file.loaded_as_input', data: { fileId, runId: rid } });
      inputs++;
    }
    const out: { id: string; name: string }[] = [];
    for (let i = 0; i < writes; i++) {
      const suffix = SUFFIXES[int(SUFFIXES.length)]!;
      const f = { id: id(), name: `sample-${files.length}${suffix}`, seq: events.length + 1 };
      // As the ledger's object store names contents: by their hash, inline when small.
      const size = 1 + int(1 << 30);
      const hash = hex();
      events.push({ type: 'file.created', data: { id: f.id, name: f.name, suffix, size, hash, key: `${size <= LIMITS.inlineContentBytes ? 'inline' : 'objects'}/${hash}`, runId: rid } });
      files.push(f);
      out.push(f);
    }
    events.push({ type: 'run.finished', data: { runId: rid, status: rnd() < 0.97 ? 'completed' : 'failed', finishedAt: time() } });
    return out;
  };

  // The deep chain sits after the first tenth of the workload, so that an early snapshot misses it.
  const chainAt = Math.floor(options.events / 10);
  let chainTip: { id: string; name: string } | undefined;
  let typicalFile: { id: string; name: string } | undefined;
  const chainEvents = chainLength * 4;
  while (events.length + (chainTip ? 0 : chainEvents) < options.events || files.length === 0 || !chainTip) {
    if (!chainTip && (events.length >= chainAt || events.length + chainEvents >= options.events)) {
      let prev = run([], 1);
      for (let i = 1; i < chainLength; i++) prev = run([prev[0]!.id], 1);
      chainTip = prev[0]!;
      continue;
    }
    // A workflow: 2 to 6 chained runs; each step reads the previous step's outputs, and maybe an older file.
    const steps = 2 + int(5);
    const parent = rnd() < 0.3 ? runIds[int(runIds.length)] : undefined;
    // Reads of older files are rare enough that ancestries stay bounded (fewer than one per workflow).
    let reads = files.length && rnd() < 0.5 ? [files[int(files.length)]!.id] : [];
    let last: { id: string; name: string }[] = [];
    for (let s = 0; s < steps; s++) {
      last = run(reads, 1 + int(3), parent);
      reads = last.map((f) => f.id);
      if (files.length && rnd() < 0.1) reads.push(files[int(files.length)]!.id);
    }
    if (!typicalFile && events.length >= options.events / 2) typicalFile = last[0]!;
  }
  typicalFile ??= files[files.length - 1]!;

  const pick = <T>(xs: T[]) => Array.from({ length: Math.min(sampleKeys, xs.length) }, () => xs[int(xs.length)]!);
  const sampledFiles = pick(files);
  return {
    events,
    transforms: transformIds.length,
    runs: runIds.length,
    files: files.length,
    inputs,
    chainTip,
    chainLength,
    typicalFile,
    fileNames: sampledFiles.map((f) => f.name),
    fileIds: sampledFiles.map((f) => f.id),
    runIds: pick(runIds),
    fileSeqs: sampledFiles.map((f) => f.seq),
  };
}
