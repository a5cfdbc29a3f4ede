import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isLineageError, LineageError } from '../errors.js';
import { isEventType } from '../events/catalog.js';
import type { EventType } from '../events/types.js';
import type { Ledger } from '../ledger.js';
import type { Direction } from '../query/lineage.js';
import { asOfOf, type GraphPage, graphPage, logPage, MAX_GRAPH_NODES, readerAt, recordPage } from './ui-api.js';
import { SearchIndex } from './ui-search.js';
import { Lru } from './lru.js';

/** Options of the web page's plugin. */
export interface UiRoutesOptions {
  ledger: Ledger;
  /** The built web app (default: dist/ui beside the compiled library). */
  root?: string;
}

/** The Content-Security-Policy of every page and asset: nothing but this server, no inline script. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// Every file of the bundle, read once at start: a request can only name one of these keys, so no
// path from a request reaches the disk at all (no `..`, no symlink, no encoded slash can escape).
function bundle(root: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else files.set(`/${prefix}${name}`, { body: readFileSync(full), type: TYPES[extname(name)] ?? 'application/octet-stream' });
    }
  };
  try {
    walk(root, '');
  } catch (err) {
    throw new LineageError('INVALID_ARGUMENT', `the web page is not built (${root}): run npm run build`, { cause: err });
  }
  if (!files.has('/index.html')) throw new LineageError('INVALID_ARGUMENT', `the web page is not built: ${root} has no index.html; run npm run build`);
  return files;
}

type Q = Record<string, string | undefined>;

function int(q: Q, name: string, dflt: number | undefined, min: number, max: number): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new LineageError('INVALID_ARGUMENT', `${name} takes an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

// Graph pages kept (a 5,000-node page is a few MB).
const GRAPH_CACHE = 12;

const DIRECTIONS: Record<string, Direction> = { up: 'upstream', upstream: 'upstream', down: 'downstream', downstream: 'downstream', both: 'both' };

/**
 * The web page: the built app at `/` under a strict CSP, and the JSON it reads under `/api/ui/v1/`
 * (search, record, graph, log, verify as NDJSON), each read taking `asOf=SEQ|TIME`. Never writes.
 */
export const uiRoutes: FastifyPluginAsync<UiRoutesOptions> = async (app, { ledger, root }) => {
  const files = bundle(root ?? fileURLToPath(new URL('../../ui/', import.meta.url)));
  // Built on the first search, then kept up with the log by each search (lib/server/ui-search.ts).
  const index = new SearchIndex(ledger);
  // The last graphs laid out, by seq and query.
  const graphs = new Lru<string, GraphPage>(GRAPH_CACHE);

  // Errors are answered by createServer's handler: one table of codes to statuses for every route.

  const serve = (path: string, reply: FastifyReply) => {
    const f = files.get(path);
    if (!f) return reply.status(404).type('text/plain; charset=utf-8').header('content-security-policy', UI_CSP).send('not found');
    // Hashed asset names change with their content, so they can be cached for good; index.html cannot.
    const immutable = path.startsWith('/assets/');
    return reply
      .type(f.type)
      .header('content-security-policy', UI_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(f.body);
  };
  app.get('/', (_req, reply) => serve('/index.html', reply));
  app.get('/assets/*', (req: FastifyRequest<{ Params: { '*': string } }>, reply) => serve(`/assets/${req.params['*']}`, reply));
  app.get('/favicon.svg', (_req, reply) => serve('/favicon.svg', reply));

  const api = '/api/ui/v1';
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith(api)) reply.header('cache-control', 'no-store');
  });

  app.get(`${api}/head`, async () => {
    // The page asks for the head when it opens: a good moment to start building the search index
    // in the background, so that it is ready when the user types.
    if (!index.built) index.update().catch(() => {});
    const reader = ledger.session();
    const asOf = await asOfOf(ledger, reader);
    let first: string | undefined;
    for await (const e of reader.events({ from: 1, to: 1 })) first = e.at;
    return { ...asOf, hash: ledger.head.hash, firstAt: first, ledgerId: ledger.info.ledgerId };
  });

  app.get(`${api}/search`, async (req) => {
    const q = req.query as Q;
    const reader = readerAt(ledger, q.asOf);
    return { asOf: await asOfOf(ledger, reader), hits: await index.search(reader, q.q ?? '', int(q, 'limit', 20, 1, 200)!) };
  });

  app.get(`${api}/record/:id`, async (req) => {
    const q = req.query as Q;
    const reader = readerAt(ledger, q.asOf);
    return { asOf: await asOfOf(ledger, reader), record: await recordPage(reader, (req.params as { id: string }).id) };
  });

  app.get(`${api}/graph/:id`, async (req) => {
    const q = req.query as Q;
    const reader = readerAt(ledger, q.asOf);
    const direction = DIRECTIONS[q.direction ?? 'up'];
    if (!direction) throw new LineageError('INVALID_ARGUMENT', `direction is up, down or both, not ${JSON.stringify(q.direction)}`);
    const expand = (q.expand ?? '').split(',').filter(Boolean).slice(0, 100);
    const id = (req.params as { id: string }).id;
    const query = { direction, depth: int(q, 'depth', undefined, 0, 10_000), maxNodes: int(q, 'maxNodes', 300, 1, MAX_GRAPH_NODES)!, expand };
    // A graph at a seq never changes: laid out once per seq and query, it is answered from memory
    // when the page comes back to it (back, a time-slider step back and forth, a reload).
    const key = JSON.stringify([reader.seq, id, query]);
    let page = graphs.get(key);
    if (!page) {
      page = graphPage(reader, id, query);
      graphs.set(key, page);
    }
    return { asOf: await asOfOf(ledger, reader), ...page };
  });

  app.get(`${api}/log`, async (req) => {
    const q = req.query as Q;
    const reader = readerAt(ledger, q.asOf);
    const types = q.types ? q.types.split(',').filter(Boolean) : undefined;
    for (const t of types ?? []) if (!isEventType(t)) throw new LineageError('INVALID_ARGUMENT', `unknown event type ${JSON.stringify(t)}`);
    const page = await logPage(reader, ledger, {
      from: int(q, 'from', 1, 1, Number.MAX_SAFE_INTEGER)!,
      limit: int(q, 'limit', 50, 1, 500)!,
      types: types as EventType[] | undefined,
      since: q.since || undefined,
      until: q.until || undefined,
    });
    return { asOf: await asOfOf(ledger, reader), ...page };
  });

  // One JSON object a line: progress as the walk goes, then the verdict. The whole log is walked
  // (verify() checks the chain to the head); asOf does not apply.
  app.get(`${api}/verify`, async (_req, reply) => {
    const out = new PassThrough();
    const line = (o: unknown) => out.write(`${JSON.stringify(o)}\n`);
    void ledger
      .verify({ onProgress: ({ done, total }) => line({ type: 'progress', done, total }) })
      .then((r) => line({ type: 'verdict', ...r }))
      .catch((err: unknown) => line({ type: 'error', code: isLineageError(err) ? err.code : 'INTERNAL', message: err instanceof Error ? err.message : String(err) }))
      .finally(() => out.end());
    return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(out);
  });
};
