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

// The token of a server started with --token-file. Kept in sessionStorage: it lasts while the tab
// is open (a reload keeps it) and goes with the tab; never in the URL (links are shared, and servers
// and proxies log URLs) and never in localStorage (it would outlive the session on a shared machine).
const TOKEN_KEY = 'lineage-ledger.token';

/** The token this tab signed in with, if any. */
export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the page still works on a server without a token
  }
}

/** Keeps the token for this tab (or forgets it, with undefined). */
export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled: the token cannot be kept, and the prompt will come back
  }
}

type Refused = (message: string) => void;
const refusedListeners = new Set<Refused>();

/** Calls `fn` whenever the server answers 401 (no token, or the wrong one); returns the unsubscribe. */
export function onRefused(fn: Refused): () => void {
  refusedListeners.add(fn);
  return () => refusedListeners.delete(fn);
}

/** fetch() to this server with the tab's token, if it has one, as `Authorization: Bearer`. */
export async function call(path: string, init: { accept?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
  const token = storedToken();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { headers, credentials: 'omit', cache: 'no-store' });
  if (res.status === 401) {
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    const message = token === undefined ? 'This server needs a token.' : 'The server refused the token (it is wrong, or the server now has another one).';
    for (const fn of refusedListeners) fn(message);
    throw new ApiError(body.code ?? 'UNAUTHORIZED', message);
  }
  return res;
}

/** GETs a JSON endpoint; a `{ code, message }` answer becomes an ApiError. */
export async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  const res = await call(`/api/ui/v1/${path}${s ? `?${s}` : ''}`);
  const body = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new ApiError(body.code ?? String(res.status), body.message ?? res.statusText);
  return body;
}
