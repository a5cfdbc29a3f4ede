import type { LedgerEvent } from '../events/types.js';

// The native API's writes (native-routes.ts, lifecycle-routes.ts) and how each one's answer follows from
// the events it appended: the id it made (or the one its path names), and the seq those events end at.
const ROUTES: [RegExp, (path: RegExpExecArray, events: LedgerEvent[]) => { id?: string; labels?: string[] }][] = [
  [/\/transforms$/, (_, events) => ({ id: made(events) })],
  [/\/runs$/, (_, events) => ({ id: made(events) })],
  [/\/files$/, (_, events) => ({ id: made(events) })],
  [/\/files\/[^/]+\/inputs$/, () => ({})],
  [/\/labels$/, (_, events) => ({ labels: events.flatMap((e) => (e.type === 'label.added' || e.type === 'label.removed' ? e.data.labels : [])) })],
  [/\/(?:runs|transforms|files)\/([^/]+)\/(?:finish|reference|source|erase)$/, (path) => ({ id: decodeURIComponent(path[1]!) })],
  [/\/records\/[^/]+\/([^/]+)\/(?:trash|restore|description)$/, (path) => ({ id: decodeURIComponent(path[1]!) })],
];

/**
 * The answer a native-API write gave, made again from the events it appended (read back from the
 * log by a restarted server): `{ id, seq }`, `{ seq }` or `{ seq, labels }` as the route answers,
 * with `seq` that of the request's last event.
 */
export function recoveredAnswer(path: string, events: LedgerEvent[], seq: number): object {
  for (const [route, answer] of ROUTES) {
    const m = route.exec(path);
    if (!m) continue;
    const { id, labels } = answer(m, events);
    return labels !== undefined ? { seq, labels } : id !== undefined ? { id, seq } : { seq };
  }
  return { seq };
}

/** The transform, run or file a command made: the first one its events register, start or (again) create; else the transform whose source it stored. */
function made(events: LedgerEvent[]): string | undefined {
  let sourced: string | undefined;
  for (const e of events) {
    if (e.type === 'transform.registered' || e.type === 'run.started' || e.type === 'file.created') return e.data.id;
    if (e.type === 'file.recreated') return e.data.fileId;
    if (e.type === 'transform.source_stored') sourced ??= e.data.transformId;
  }
  return sourced;
}
