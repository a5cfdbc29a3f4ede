import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Timing figures of one measured thing: the median and the range over repetitions. */
export interface Sample {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of numbers. */
export function summarize(xs: number[]): Sample {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Milliseconds since an arbitrary origin, with sub-microsecond resolution. */
export function now(): number {
  return performance.now();
}

/** How long `fn` takes, in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = now();
  await fn();
  return now() - t0;
}

/**
 * Runs each contender once per repetition, interleaved and in a rotating order (so that no contender
 * always runs first, or right after the GC-heavy one), and returns each one's samples.
 */
export async function interleave<K extends string>(reps: number, contenders: Record<K, () => Promise<number> | number>): Promise<Record<K, number[]>> {
  const keys = Object.keys(contenders) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length]!;
      out[k].push(await contenders[k]());
    }
  }
  return out;
}

/**
 * Latency of a synchronous operation in µs per call: `fn(i)` is called `calls` times in a timed
 * loop, after a warm-up; the result feeds a sink so that the work cannot be optimized away.
 */
export function latency(calls: number, fn: (i: number) => unknown): number {
  let sink = 0;
  const warm = Math.min(calls, 2000);
  for (let i = 0; i < warm; i++) if (fn(i)) sink++;
  const t0 = now();
  for (let i = 0; i < calls; i++) if (fn(i)) sink++;
  const us = ((now() - t0) * 1000) / calls;
  if (sink < 0) console.log(sink);
  return us;
}

/**
 * The same as `latency`, in µs of CPU (user + system, this process) per call: on a machine shared
 * with other work, CPU time moves less than wall time, which counts the time spent waiting for a
 * core. Collections count too (they run in this process), so an allocating call pays for them.
 */
export function cpuLatency(calls: number, fn: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < Math.min(calls, 2000); i++) if (fn(i)) sink++;
  const t0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) if (fn(i)) sink++;
  const t = process.cpuUsage(t0);
  if (sink < 0) console.log(sink);
  return (t.user + t.system) / calls;
}

/**
 * A full garbage collection now (the flag is set for it), so that no marking left over from a build
 * counts as a measured call's CPU time.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A row of the results table. */
export interface Row {
  group: string;
  name: string;
  unit: string;
  sample: Sample;
  /** Baseline rows name the row they are compared with; the table prints ours / theirs. */
  ratioOf?: string;
  /** True when more is better (rates); false for times. */
  higherIsBetter: boolean;
  note?: string;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/**
 * The results as a markdown table: each figure with its range, and for our rows the speed-up over
 * each baseline in the same group (> 1 means ours is better, whichever the unit).
 */
export function markdownTable(rows: Row[]): string {
  const lines = ['| benchmark | contender | median | min – max | unit | ours vs. this |', '| --- | --- | ---: | ---: | --- | ---: |'];
  for (const r of rows) {
    let ratio = '';
    if (r.ratioOf) {
      const ours = rows.find((x) => x.group === r.group && x.name === r.ratioOf);
      if (ours) {
        const q = r.higherIsBetter ? ours.sample.median / r.sample.median : r.sample.median / ours.sample.median;
        ratio = `${fmt(q)}×`;
      }
    }
    lines.push(`| ${r.group} | ${r.name}${r.note ? ` (${r.note})` : ''} | ${fmt(r.sample.median)} | ${fmt(r.sample.min)} – ${fmt(r.sample.max)} | ${r.unit} | ${ratio} |`);
  }
  return lines.join('\n');
}
