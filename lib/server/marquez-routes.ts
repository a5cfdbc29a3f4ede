import type { FastifyPluginAsync } from 'fastify';
import type { Ledger } from '../ledger.js';
import { LIMITS } from '../limits.js';
import { openLineageEvents } from '../interop/openlineage-export.js';
import { readPoint } from './as-of.js';
import type { Identities, OlName } from './identities.js';
import { HeadNodes } from './lineage-nodes.js';
import { type LineageAnswer, marquezLineageJson, resolveNode } from './marquez-lineage.js';
import { Lru } from './lru.js';
import { marquezDetailRoutes } from './marquez-detail-routes.js';
import { MarquezModel, nodeId } from './marquez-model.js';
import { describedBy, lifecycle, recordedFileFacets, schemaFields } from './marquez-records.js';

/** Options of the Marquez-shaped read API. */
export interface MarquezRoutesOptions {
  ledger: Ledger;
  identities: Identities;
  /** Largest `depth` of GET /api/v1/lineage. */
  maxDepth: number;
  /** Most nodes GET /api/v1/lineage answers with (LIMIT_EXCEEDED beyond). */
  maxNodes: number;
}

// Lineage answers above this size are not kept (32 of them at most are).
const MAX_CACHED_CHARS = 8 * 1024 * 1024;
const name = { type: 'string', minLength: 1, maxLength: LIMITS.nameLength } as const;
const asOf = { type: 'string', maxLength: 64 } as const;
const page = { limit: { type: 'integer', minimum: 0, maximum: 10_000, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 }, asOf } as const;
const nsParams = { type: 'object', properties: { namespace: name }, required: ['namespace'] } as const;
const jobParams = { type: 'object', properties: { namespace: name, job: name }, required: ['namespace', 'job'] } as const;
const dsParams = { type: 'object', properties: { namespace: name, dataset: name }, required: ['namespace', 'dataset'] } as const;

interface Page {
  limit: number;
  offset: number;
  asOf?: string;
}

/**
 * Marquez's read API (its spec/openapi.yml and model classes), so that Marquez's web UI and the
 * tools written for Marquez read the ledger: namespaces, jobs, runs, datasets, lineage, search, and
 * the run events. Every read takes `?asOf=SEQ|TIME`, which Marquez cannot.
 */
export const marquezRoutes: FastifyPluginAsync<MarquezRoutesOptions> = async (app, { ledger, identities, maxDepth, maxNodes }) => {
  // What a snapshot shows never changes, so the model of a seq (and what it memoizes: names, runs,
  // node data) serves every request at that seq, and a lineage answer is kept as the JSON it was sent
  // as: repeated reads between writes cost a map lookup, not a graph walk and a 1 MB stringify.
  const models = new Lru<number, MarquezModel>(4);
  const graphs = new Lru<string, string>(32);
  // The nodes of the head's lineage, kept across writes: the first read after a write rebuilds only what it
  // touched, and an answer none of whose nodes a write touched is sent again as it was.
  const headNodes = new HeadNodes(ledger);
  const lastAnswers = new Lru<string, LineageAnswer & { seq: number }>(32);
  const model = async (at: string | undefined): Promise<MarquezModel> => {
    // The snapshot first, then the names up to the head: names read before a write that lands before the
    // snapshot would miss the entities it linked, and the model (kept per seq) would answer 404 for them.
    const { view } = readPoint(ledger, at);
    await identities.refresh();
    let m = models.get(view.watermark);
    if (!m) models.set(view.watermark, (m = new MarquezModel(view, identities, identities.builder())));
    return m;
  };

  app.get<{ Querystring: { nodeId: string; depth: number; asOf?: string } }>(
    '/api/v1/lineage',
    { schema: { querystring: { type: 'object', properties: { nodeId: { type: 'string', minLength: 1, maxLength: 2 * LIMITS.nameLength + 16 }, depth: { type: 'integer', minimum: 0, maximum: maxDepth, default: 20 }, asOf }, required: ['nodeId'] } } },
    async (request, reply) => {
      const m = await model(request.query.asOf);
      const key = `${m.view.watermark}\u0000${request.query.depth}\u0000${request.query.nodeId}`;
      let body = graphs.get(key);
      if (body === undefined) {
        const seq = m.view.watermark;
        if (request.query.asOf === undefined || request.query.asOf === '') {
          const source = await headNodes.at(m);
          const asked = `${request.query.depth}\u0000${request.query.nodeId}`;
          const last = lastAnswers.get(asked);
          // The named node could now resolve to another one (a new dataset in a namespace with colons): checked too.
          if (last && headNodes.unchangedSince(last.seq, last.nodes, seq) && startOf(m, request.query.nodeId) === last.start) body = last.json;
          else {
            const answer = marquezLineageJson(m, request.query.nodeId, request.query.depth, maxNodes, source);
            lastAnswers.set(asked, { ...answer, seq });
            body = answer.json;
          }
        } else body = marquezLineageJson(m, request.query.nodeId, request.query.depth, maxNodes).json;
        if (body.length <= MAX_CACHED_CHARS) graphs.set(key, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Querystring: Page }>('/api/v1/namespaces', { schema: { querystring: { type: 'object', properties: page } } }, async (request) => {
    const q = request.query;
    const all = (await model(q.asOf)).namespaces();
    return { namespaces: all.slice(q.offset, q.offset + q.limit), totalCount: all.length };
  });

  app.get<{ Params: { namespace: string }; Querystring: { asOf?: string } }>('/api/v1/namespaces/:namespace', { schema: { params: nsParams, querystring: { type: 'object', properties: { asOf } } } }, async (request, reply) => {
    const ns = (await model(request.query.asOf)).namespaces().find((n) => n.name === request.params.namespace);
    if (!ns) return reply.status(404).send({ code: 'NOT_FOUND', message: `no namespace ${request.params.namespace} in this snapshot` });
    return ns;
  });

  app.get<{ Params: { namespace: string }; Querystring: Page }>('/api/v1/namespaces/:namespace/jobs', { schema: { params: nsParams, querystring: { type: 'object', properties: page } } }, async (request) => {
    const m = await model(request.query.asOf);
    const names = m.jobNames(request.params.namespace);
    const wanted = slice(names, request.query);
    await m.loadRecorded(ledger.log, { jobs: wanted });
    return { jobs: wanted.map((n) => m.job(n)), totalCount: names.length };
  });

  app.get<{ Params: { namespace: string; job: string }; Querystring: { asOf?: string } }>('/api/v1/namespaces/:namespace/jobs/:job', { schema: { params: jobParams, querystring: { type: 'object', properties: { asOf } } } }, async (request) => {
    const m = await model(request.query.asOf);
    await m.loadRecorded(ledger.log, { jobs: [jobName(request.params)] });
    return m.job(jobName(request.params));
  });

  app.get<{ Params: { namespace: string; job: string }; Querystring: Page }>('/api/v1/namespaces/:namespace/jobs/:job/runs', { schema: { params: jobParams, querystring: { type: 'object', properties: page } } }, async (request) => {
    const m = await model(request.query.asOf);
    const job = jobName(request.params);
    m.job(job); // 404 for an unknown job, as Marquez answers
    const runs = m.runsOf(m.transformsOf(job));
    const wanted = slice(runs, request.query);
    await m.loadRecorded(ledger.log, { runs: wanted });
    return { runs: wanted.map((r) => m.run(r)), totalCount: runs.length };
  });

  /** A Marquez Dataset with the facets (schema, column lineage, …) producers sent for its latest version, verbatim, over the ones the ledger gives its files; in the list as in the single answer, as Marquez gives them. */
  async function withRecorded(m: MarquezModel, asked: { namespace: string; name: string }) {
    const name = m.resolveDataset(asked);
    const dataset = m.dataset(name);
    const files = m.filesOf(name);
    const recorded = await recordedFileFacets(ledger.log, m.view, files[files.length - 1]!.id);
    if (!recorded) return dataset;
    const facets = { ...dataset.facets, ...recorded };
    return { ...dataset, facets, fields: schemaFields(facets), description: describedBy(facets), lastLifecycleState: lifecycle(facets) };
  }

  app.get<{ Params: { namespace: string }; Querystring: Page }>('/api/v1/namespaces/:namespace/datasets', { schema: { params: nsParams, querystring: { type: 'object', properties: page } } }, async (request) => {
    const m = await model(request.query.asOf);
    const names = m.datasetNames(request.params.namespace);
    return { datasets: await Promise.all(slice(names, request.query).map((n) => withRecorded(m, n))), totalCount: names.length };
  });

  app.get<{ Params: { namespace: string; dataset: string }; Querystring: { asOf?: string } }>('/api/v1/namespaces/:namespace/datasets/:dataset', { schema: { params: dsParams, querystring: { type: 'object', properties: { asOf } } } }, async (request) => {
    const m = await model(request.query.asOf);
    return withRecorded(m, { namespace: request.params.namespace, name: request.params.dataset });
  });

  app.get<{ Querystring: { q: string; filter?: 'dataset' | 'job' | 'DATASET' | 'JOB'; sort?: string; limit: number; asOf?: string } }>(
    '/api/v1/search',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { q: { type: 'string', minLength: 1, maxLength: LIMITS.nameLength }, filter: { type: 'string', enum: ['dataset', 'job', 'DATASET', 'JOB'] }, sort: { type: 'string', enum: ['name', 'updated_at', 'NAME', 'UPDATED_AT', 'UPDATE_AT'] }, limit: { type: 'integer', minimum: 0, maximum: 10_000, default: 10 }, asOf },
          required: ['q'],
        },
      },
    },
    async (request) => {
      const { q, filter, sort, limit } = request.query;
      const m = await model(request.query.asOf);
      const match = likePattern(q);
      const results: { type: 'DATASET' | 'JOB'; name: string; updatedAt: string; namespace: string; nodeId: string }[] = [];
      const want = filter?.toLowerCase();
      for (const ns of m.namespaces()) {
        if (want !== 'dataset') for (const n of m.jobNames(ns.name)) if (match.test(n.name)) results.push(hit(m, 'job', n));
        if (want !== 'job') for (const n of m.datasetNames(ns.name)) if (match.test(n.name)) results.push(hit(m, 'dataset', n));
      }
      if (sort === 'UPDATE_AT' || sort?.toLowerCase() === 'updated_at') results.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
      else results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { totalCount: results.length, results: results.slice(0, limit) };
    },
  );

  app.get<{ Querystring: { before?: string; after?: string; sortDirection: 'asc' | 'desc'; limit: number; offset: number; asOf?: string } }>(
    '/api/v1/events/lineage',
    {
      schema: {
        querystring: {
          type: 'object',
          // Marquez's web UI sends `before=&after=` when no bound is set: empty means unbounded.
          properties: { ...page, before: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', maxLength: 0 }] }, after: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', maxLength: 0 }] }, sortDirection: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const before = q.before === undefined || q.before === '' ? Infinity : Date.parse(q.before);
      const after = q.after === undefined || q.after === '' ? -Infinity : Date.parse(q.after);
      const { source } = readPoint(ledger, q.asOf);
      const events = [];
      for await (const e of openLineageEvents(source)) {
        const t = Date.parse(e.eventTime);
        if (t < before && t > after) events.push(e);
      }
      if (q.sortDirection === 'desc') events.reverse();
      return { events: events.slice(q.offset, q.offset + q.limit), totalCount: events.length };
    },
  );

  await app.register(marquezDetailRoutes, { ledger, model, maxDepth });
};

/** The node id a lineage request's nodeId resolves to in `m`. */
function startOf(m: MarquezModel, asked: string): string {
  const { type, name } = resolveNode(m, asked);
  return nodeId(type, name);
}

function slice<T>(all: readonly T[], q: { limit: number; offset: number }): T[] {
  return all.slice(q.offset, q.offset + q.limit);
}

function jobName(p: { namespace: string; job: string }): OlName {
  return { namespace: p.namespace, name: p.job };
}

function hit(m: MarquezModel, type: 'job' | 'dataset', n: OlName) {
  const data = type === 'job' ? m.jobData(n) : m.datasetData(n);
  return { type: type === 'job' ? ('JOB' as const) : ('DATASET' as const), name: n.name, updatedAt: data.updatedAt, namespace: n.namespace, nodeId: nodeId(type, n) };
}

// Marquez's search is SQL ILIKE '%q%': `%` any run of characters, `_` one character, case-insensitive.
function likePattern(q: string): RegExp {
  const body = [...q].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(body, 'isu');
}
