import type { FastifyPluginAsync } from 'fastify';
import { LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { LIMITS } from '../limits.js';
import type { OpenLineageFacets } from '../interop/openlineage-model.js';
import { openLineageEvents } from '../interop/openlineage-export.js';
import type { FileRow } from '../state/rows.js';
import { readPoint } from './as-of.js';
import { HttpError } from './http-errors.js';
import type { OlName } from './identities.js';
import { marquezColumnLineage } from './marquez-column-lineage.js';
import type { MarquezModel } from './marquez-model.js';
import { recordedFileFacets, recordedRunFacets } from './marquez-records.js';
import { cumulativeCounts, lineageCounts, statsIntervals } from './marquez-stats.js';

/** Options of the rest of Marquez's read API (what its web UI asks beyond lists and lineage). */
export interface MarquezDetailOptions {
  ledger: Ledger;
  /** The Marquez view of the ledger at `?asOf=` (the head without it). */
  model: (asOf: string | undefined) => Promise<MarquezModel>;
  maxDepth: number;
}

const name = { type: 'string', minLength: 1, maxLength: LIMITS.nameLength } as const;
const asOf = { type: 'string', maxLength: 64 } as const;
const page = { limit: { type: 'integer', minimum: 0, maximum: 10_000, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 }, asOf } as const;
const jobParams = { type: 'object', properties: { namespace: name, job: name }, required: ['namespace', 'job'] } as const;
const dsParams = { type: 'object', properties: { namespace: name, dataset: name }, required: ['namespace', 'dataset'] } as const;
const version = { type: 'string', minLength: 1, maxLength: 256 } as const;
const runParams = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['id'] } as const;
const RUN_STATES = ['NEW', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'];

interface Page {
  limit: number;
  offset: number;
  asOf?: string;
}

/**
 * The rest of what Marquez's web UI reads (web/src/store/requests): all jobs, job and dataset
 * versions, a run and its facets, tags, column lineage and the /stats series; and, for the writes it
 * offers (delete, tag), a clear 405: the ledger is append-only and has no tags.
 */
export const marquezDetailRoutes: FastifyPluginAsync<MarquezDetailOptions> = async (app, { ledger, model, maxDepth }) => {
  app.get<{ Querystring: Page & { lastRunStates?: string } }>(
    '/api/v1/jobs',
    { schema: { querystring: { type: 'object', properties: { ...page, lastRunStates: { type: 'string', maxLength: 128 } } } } },
    async (request) => {
      const q = request.query;
      const m = await model(q.asOf);
      const states = q.lastRunStates?.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
      for (const s of states ?? []) if (!RUN_STATES.includes(s)) throw new LineageError('INVALID_ARGUMENT', `lastRunStates holds ${RUN_STATES.join(', ')}, not ${JSON.stringify(s.slice(0, 32))}`);
      let names = m.namespaces().flatMap((ns) => m.jobNames(ns.name));
      // Facets are read for the jobs answered; a filter on states needs every job's (ABORTED is known from its events).
      if (states) {
        await m.loadRecorded(ledger.log, { jobs: names });
        names = names.filter((n) => states.includes(m.job(n).latestRun?.state ?? 'NEW'));
      }
      const page = names.slice(q.offset, q.offset + q.limit);
      await m.loadRecorded(ledger.log, { jobs: page });
      return { jobs: page.map((n) => m.job(n)), totalCount: names.length };
    },
  );

  app.get<{ Params: { namespace: string; job: string }; Querystring: Page }>('/api/v1/namespaces/:namespace/jobs/:job/versions', { schema: { params: jobParams, querystring: { type: 'object', properties: page } } }, async (request) => {
    const m = await model(request.query.asOf);
    await m.loadRecorded(ledger.log, { jobs: [jobName(request.params)] });
    const versions = m.jobVersions(jobName(request.params));
    return { versions: versions.slice(request.query.offset, request.query.offset + request.query.limit), totalCount: versions.length };
  });

  app.get<{ Params: { namespace: string; job: string; version: string }; Querystring: { asOf?: string } }>(
    '/api/v1/namespaces/:namespace/jobs/:job/versions/:version',
    { schema: { params: { type: 'object', properties: { ...jobParams.properties, version }, required: ['namespace', 'job', 'version'] }, querystring: { type: 'object', properties: { asOf } } } },
    async (request) => {
      const found = (await model(request.query.asOf)).jobVersions(jobName(request.params)).find((v) => v.version === request.params.version);
      if (!found) throw new LineageError('TRANSFORM_NOT_FOUND', `job ${request.params.namespace}:${request.params.job} has no version ${request.params.version}`);
      return found;
    },
  );

  app.get<{ Params: { namespace: string; dataset: string }; Querystring: Page }>('/api/v1/namespaces/:namespace/datasets/:dataset/versions', { schema: { params: dsParams, querystring: { type: 'object', properties: page } } }, async (request) => {
    const q = request.query;
    const m = await model(q.asOf);
    const name = m.resolveDataset(datasetName(request.params));
    const wanted = [...m.filesOf(name)].reverse().slice(q.offset, q.offset + q.limit);
    const facets = await recordedFacetsOf(ledger, m, wanted);
    const versions = m.datasetVersions(name, (f) => facets.get(f.id) ?? {});
    return { versions: versions.slice(q.offset, q.offset + q.limit), totalCount: versions.length };
  });

  app.get<{ Params: { namespace: string; dataset: string; version: string }; Querystring: { asOf?: string } }>(
    '/api/v1/namespaces/:namespace/datasets/:dataset/versions/:version',
    { schema: { params: { type: 'object', properties: { ...dsParams.properties, version }, required: ['namespace', 'dataset', 'version'] }, querystring: { type: 'object', properties: { asOf } } } },
    async (request) => {
      const m = await model(request.query.asOf);
      const name = m.resolveDataset(datasetName(request.params));
      const file = m.filesOf(name).find((f) => m.versionOf(f) === request.params.version);
      if (!file) throw new LineageError('FILE_NOT_FOUND', `dataset ${request.params.namespace}:${request.params.dataset} has no version ${request.params.version}`);
      const facets = await recordedFacetsOf(ledger, m, [file]);
      return m.datasetVersions(name, (f) => facets.get(f.id) ?? {}).find((v) => v.version === request.params.version);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { asOf?: string } }>('/api/v1/jobs/runs/:id', { schema: { params: runParams, querystring: { type: 'object', properties: { asOf } } } }, async (request) => {
    const m = await model(request.query.asOf);
    const run = runOf(m, request.params.id);
    await m.loadRecorded(ledger.log, { runs: [run] });
    return m.run(run);
  });

  app.get<{ Params: { id: string }; Querystring: { type: 'run' | 'job'; asOf?: string } }>(
    '/api/v1/jobs/runs/:id/facets',
    { schema: { params: runParams, querystring: { type: 'object', properties: { type: { type: 'string', enum: ['run', 'job'], default: 'run' }, asOf } } } },
    async (request) => {
      const m = await model(request.query.asOf);
      const run = runOf(m, request.params.id);
      const side = request.query.type;
      const recorded = await recordedRunFacets(ledger.log, m.view, run.id, side);
      return { runId: m.run(run).id, facets: recorded ?? m.builtFacets(run)[side] };
    },
  );

  app.get<{ Querystring: Page }>('/api/v1/tags', { schema: { querystring: { type: 'object', properties: page } } }, async (request) => {
    // The ledger has no tag events: the tags are whatever its jobs and datasets carry (none today), never invented ones.
    const m = await model(request.query.asOf);
    const names = new Set<string>();
    for (const ns of m.namespaces()) {
      for (const n of m.jobNames(ns.name)) for (const t of m.job(n).tags) names.add(t);
      for (const n of m.datasetNames(ns.name)) for (const t of m.datasetData(n).tags) names.add(t);
    }
    const tags = [...names].sort().map((t) => ({ name: t, description: null }));
    return { tags: tags.slice(request.query.offset, request.query.offset + request.query.limit) };
  });

  app.get<{ Querystring: { nodeId: string; depth: number; withDownstream: boolean; asOf?: string } }>(
    '/api/v1/column-lineage',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { nodeId: { type: 'string', minLength: 1, maxLength: 3 * LIMITS.nameLength + 32 }, depth: { type: 'integer', minimum: 0, maximum: maxDepth, default: 20 }, withDownstream: { type: 'boolean', default: false }, asOf },
          required: ['nodeId'],
        },
      },
    },
    async (request) => {
      const q = request.query;
      const m = await model(q.asOf);
      return marquezColumnLineage(ledger.log, m, q.nodeId, q.depth, q.withDownstream);
    },
  );

  const stats = { querystring: { type: 'object', properties: { period: { type: 'string', enum: ['DAY', 'WEEK', 'day', 'week'], default: 'DAY' }, timezone: { type: 'string', maxLength: 64, default: 'UTC' }, asOf } } } as const;
  type StatsQuery = { Querystring: { period: string; timezone: string; asOf?: string } };
  const intervals = (q: StatsQuery['Querystring']) => statsIntervals(q.period.toUpperCase() as 'DAY' | 'WEEK', q.timezone, Date.now());

  app.get<StatsQuery>('/api/v1/stats/lineage-events', { schema: stats }, async (request) => {
    const events: { time: number; type: string }[] = [];
    for await (const e of openLineageEvents(readPoint(ledger, request.query.asOf).source)) events.push({ time: Date.parse(e.eventTime), type: e.eventType ?? '' });
    return lineageCounts(intervals(request.query), events);
  });

  app.get<StatsQuery & { Params: { asset: 'jobs' | 'datasets' | 'sources' } }>(
    '/api/v1/stats/:asset',
    { schema: { ...stats, params: { type: 'object', properties: { asset: { type: 'string', enum: ['jobs', 'datasets', 'sources'] } }, required: ['asset'] } } },
    async (request) => {
      const m = await model(request.query.asOf);
      const created: number[] = [];
      const sources = new Map<string, number>();
      for (const ns of m.namespaces()) {
        if (request.params.asset === 'jobs') for (const n of m.jobNames(ns.name)) created.push(Date.parse(m.transformsOf(n)[0]!.createdAt));
        else {
          for (const n of m.datasetNames(ns.name)) {
            const t = Date.parse(m.filesOf(n)[0]!.createdAt);
            created.push(t);
            // A dataset's source is its namespace (sourceName), as the model shows it.
            sources.set(ns.name, Math.min(sources.get(ns.name) ?? Infinity, t));
          }
        }
      }
      return cumulativeCounts(intervals(request.query), request.params.asset === 'sources' ? [...sources.values()] : created);
    },
  );

  // The UI's writes: the ledger never deletes (it is append-only; audits replay it) and has no tags yet.
  const refuse = async (): Promise<never> => {
    throw new HttpError('METHOD_NOT_ALLOWED', 'the ledger is append-only: jobs and datasets are never deleted, and it keeps no tags; nothing was changed');
  };
  app.delete('/api/v1/namespaces/:namespace/jobs/:job', refuse);
  app.delete('/api/v1/namespaces/:namespace/datasets/:dataset', refuse);
  for (const path of ['/api/v1/namespaces/:namespace/jobs/:job/tags/:tag', '/api/v1/namespaces/:namespace/datasets/:dataset/tags/:tag', '/api/v1/namespaces/:namespace/datasets/:dataset/fields/:field/tags/:tag']) {
    app.post(path, refuse);
    app.delete(path, refuse);
  }
  app.put('/api/v1/tags/:tag', refuse);
};

function jobName(p: { namespace: string; job: string }): OlName {
  return { namespace: p.namespace, name: p.job };
}

function datasetName(p: { namespace: string; dataset: string }): OlName {
  return { namespace: p.namespace, name: p.dataset };
}

function runOf(m: MarquezModel, id: string) {
  const run = m.runByUuid(id);
  if (!run) throw new LineageError('RUN_NOT_FOUND', `no run ${id} in this snapshot`);
  return run;
}

/** Each file's facets: the ones the ledger gives it, under the ones recorded verbatim from OpenLineage. */
async function recordedFacetsOf(ledger: Ledger, m: MarquezModel, files: readonly FileRow[]): Promise<Map<string, OpenLineageFacets>> {
  const out = new Map<string, OpenLineageFacets>();
  for (const f of files) out.set(f.id, { ...m.builtDatasetFacets(f), ...((await recordedFileFacets(ledger.log, m.view, f.id)) ?? {}) });
  return out;
}
