import { LineageError } from '../errors.js';

/** Marquez's IntervalMetric: how many jobs, datasets or sources existed at the end of an interval. */
export interface IntervalMetric {
  startInterval: string;
  endInterval: string;
  count: number;
}
/** Marquez's LineageMetric: the run events of an interval, by type. */
export interface LineageMetric {
  startInterval: string;
  endInterval: string;
  fail: number;
  start: number;
  complete: number;
  abort: number;
}

const HOUR = 3_600_000;

/**
 * The intervals of Marquez's /stats answers: for DAY the 24 hours up to and including the current
 * one; for WEEK the 7 days up to and including today, each from midnight in `timeZone` (an IANA name).
 */
export function statsIntervals(period: 'DAY' | 'WEEK', timeZone: string, now: number): { start: number; end: number }[] {
  if (period === 'DAY') {
    const current = Math.floor(now / HOUR) * HOUR;
    return Array.from({ length: 24 }, (_, i) => ({ start: current - (23 - i) * HOUR, end: current - (22 - i) * HOUR }));
  }
  const parts = localParts(timeZone, now);
  const out: { start: number; end: number }[] = [];
  for (let i = 6; i >= -1; i--) out.push({ start: localMidnight(timeZone, Date.UTC(parts.year, parts.month - 1, parts.day - i)), end: 0 });
  for (let i = 0; i < 7; i++) out[i]!.end = out[i + 1]!.start;
  return out.slice(0, 7);
}

/** For each interval, how many of `createdAt` (epoch ms) lie before its end: Marquez's cumulative counts. */
export function cumulativeCounts(intervals: readonly { start: number; end: number }[], createdAt: readonly number[]): IntervalMetric[] {
  const sorted = [...createdAt].sort((a, b) => a - b);
  let k = 0;
  return intervals.map(({ start, end }) => {
    while (k < sorted.length && sorted[k]! < end) k++;
    return { startInterval: iso(start), endInterval: iso(end), count: k };
  });
}

/** For each interval, the run events in it by type (START, COMPLETE, FAIL, ABORT; others are not counted, as in Marquez). */
export function lineageCounts(intervals: readonly { start: number; end: number }[], events: readonly { time: number; type: string }[]): LineageMetric[] {
  return intervals.map(({ start, end }) => {
    const m: LineageMetric = { startInterval: iso(start), endInterval: iso(end), fail: 0, start: 0, complete: 0, abort: 0 };
    for (const e of events) {
      if (e.time < start || e.time >= end) continue;
      if (e.type === 'FAIL') m.fail++;
      else if (e.type === 'START') m.start++;
      else if (e.type === 'COMPLETE') m.complete++;
      else if (e.type === 'ABORT') m.abort++;
    }
    return m;
  });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new LineageError('INVALID_ARGUMENT', `timezone is an IANA time zone name (Europe/Paris, UTC), not ${JSON.stringify(timeZone.slice(0, 64))}`);
  }
}

function localParts(timeZone: string, at: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

// The instant of midnight, in `timeZone`, of the local date whose UTC midnight is `utcMidnight`.
function localMidnight(timeZone: string, utcMidnight: number): number {
  let guess = utcMidnight;
  // Two corrections settle it, also across a daylight-saving change.
  for (let i = 0; i < 2; i++) {
    const p = localParts(timeZone, guess);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess -= shown - utcMidnight;
  }
  return guess;
}
