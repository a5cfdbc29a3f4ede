// The JSON the server answers under /api/ui/v1 (lib/server/ui-routes.ts), and how to ask for it.

export type Kind = 'file' | 'run' | 'transform';
export interface AsOf { seq: number; at?: string; head: number }
export interface Ref { kind: Kind; id: string; label: string; detail?: string }
export interface LedgerEvent { seq: number; at: string; type: string; v: number; data: unknown; prev: string; hash: string }
export type { RecordPage } from '../../lib/server/ui-api.js';
export interface PlacedNode { id: string; kind: Kind | 'cut'; lines: string[]; x: number; y: number; width: number; height: number; truncated?: boolean; of?: string }
export interface PlacedEdge { from: string; to: string; type: string; a: { x: number; y: number }; b: { x: number; y: number }; bend: 'h' | 'v' }
export interface GraphPage {
  asOf: AsOf;
  graph: { start: string; direction: string; truncated: boolean; nodes: { id: string; kind: Kind }[]; edges: unknown[] };
  details: Record<string, { title: string; summary: string; fields: [string, string][] }>;
  layout: { width: number; height: number; nodes: PlacedNode[]; edges: PlacedEdge[] };
  layoutMs: number;
}
export interface Head extends AsOf { hash: string; firstAt?: string; ledgerId: string }

/** An answer the server refused, with its error code. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** GETs a JSON endpoint; a `{ code, message }` answer becomes an ApiError. */
export async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  const res = await fetch(`/api/ui/v1/${path}${s ? `?${s}` : ''}`, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new ApiError(body.code ?? String(res.status), body.message ?? res.statusText);
  return body;
}
