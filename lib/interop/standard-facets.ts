// The standard facets of OpenLineage, each validated against its own schema. The core 2-0-2 schema
// checks only that a facet is an object with `_producer` and `_schemaURL` (facets are open: any name
// may carry anything), so a `parent` facet without its run or a `schema` whose fields are not a list
// passed it, and were then read (parent links, Marquez's fields) as if they were right.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { openLineageSchemas } from './openlineage-schemas.js';
import { openLineageAjv } from './openlineage-validate.js';

/** Where a facet sits in an event: which facets container of the spec (RunFacet, JobFacet, DatasetFacet, InputDatasetFacet, OutputDatasetFacet). */
type Container = 'run' | 'job' | 'dataset' | 'input' | 'output';

const BASES: Readonly<Record<string, Container>> = { RunFacet: 'run', JobFacet: 'job', DatasetFacet: 'dataset', InputDatasetFacet: 'input', OutputDatasetFacet: 'output' };

interface StandardFacet {
  /** The `$id` and pointer of its definition, compiled on first use. */
  ref: string;
  /** As messages name it: `ParentRunFacet 1-2-0`. */
  title: string;
  validate?: ValidateFunction;
}

let table: Map<string, StandardFacet> | undefined;
let names: Set<string> | undefined;

// The vendored facet schemas name their facet by the one key of their `properties` (`"parent": {$ref}`),
// and their container by the core definition their own extends (`allOf[0]`): `tags` is a run, a job and a
// dataset facet, each with its own schema.
function standardFacets(): Map<string, StandardFacet> {
  if (!table) {
    table = new Map();
    for (const [id, schema] of openLineageSchemas()) {
      const properties = schema.properties as Record<string, { $ref?: string }> | undefined;
      const defs = schema.$defs as Record<string, { allOf?: { $ref?: string }[] }> | undefined;
      if (!properties || !defs) continue;
      const version = /\/facets\/([^/]+)\//.exec(id)?.[1] ?? '';
      for (const [name, { $ref }] of Object.entries(properties)) {
        const def = $ref?.startsWith('#/$defs/') ? $ref.slice('#/$defs/'.length) : undefined;
        const container = BASES[defs[def ?? '']?.allOf?.[0]?.$ref?.split('/').pop() ?? ''];
        if (def && container) table.set(`${container}:${name}`, { ref: `${id}${$ref}`, title: `${def} ${version}` });
      }
    }
  }
  return table;
}

/** The names of the standard facets that have a vendored schema (in any container). */
export function standardFacetNames(): ReadonlySet<string> {
  names ??= new Set([...standardFacets().keys()].map((k) => k.slice(k.indexOf(':') + 1)));
  return names;
}

/** A standard facet that failed its own schema: where, and ajv's message. */
export interface FacetProblem {
  /** JSON Pointer of the facet in its event, e.g. `/run/facets/parent`. */
  at: string;
  /** The pointer of what is wrong, ajv's message and the schema, e.g. `/run/facets/parent/run must have required property 'runId' (ParentRunFacet 1-2-0)`. */
  message: string;
}

/**
 * The first standard facet of a (core-valid) OpenLineage event that fails its own schema, or
 * undefined. Only the facets present are looked at, each validator compiled once, on first use.
 * Custom facets (names without a vendored schema) and facets marked `_deleted: true` (the spec's way
 * to delete a job or dataset facet, which then carries no fields) are left to the core schema.
 */
export function checkStandardFacets(event: unknown): FacetProblem | undefined {
  if (!isObject(event)) return undefined;
  const run = event.run;
  const job = event.job;
  const dataset = event.dataset;
  const problem =
    (isObject(run) ? checkFacets(run.facets, 'run', '/run/facets') : undefined) ??
    (isObject(job) ? checkFacets(job.facets, 'job', '/job/facets') : undefined) ??
    (isObject(dataset) ? checkFacets(dataset.facets, 'dataset', '/dataset/facets') : undefined);
  if (problem) return problem;
  for (const side of ['inputs', 'outputs'] as const) {
    const list = event[side];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const d: unknown = list[i];
      if (!isObject(d)) continue;
      const own = side === 'inputs' ? 'inputFacets' : 'outputFacets';
      const found = checkFacets(d.facets, 'dataset', `/${side}/${i}/facets`) ?? checkFacets(d[own], side === 'inputs' ? 'input' : 'output', `/${side}/${i}/${own}`);
      if (found) return found;
    }
  }
  return undefined;
}

function checkFacets(facets: unknown, container: Container, at: string): FacetProblem | undefined {
  if (!isObject(facets)) return undefined;
  let known: Map<string, StandardFacet> | undefined;
  for (const name in facets) {
    const value = facets[name];
    if (!isObject(value) || value._deleted === true) continue;
    known ??= standardFacets();
    const facet = known.get(`${container}:${name}`);
    if (!facet) continue;
    facet.validate ??= openLineageAjv().getSchema(facet.ref);
    if (!facet.validate || facet.validate(value)) continue;
    const e = facet.validate.errors?.[0];
    const where = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return { at: where, message: `${where}${e?.instancePath ?? ''} ${e?.message ?? 'is invalid'} (standard facet ${facet.title})` };
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
