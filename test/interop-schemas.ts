import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as draft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { LEDGER_FACETS_SCHEMA } from 'lineage-ledger';
import { OPENLINEAGE_SPEC_ID, openLineageSchemas } from '../lib/interop/openlineage-schemas.js';

/** The interchange schemas and samples vendored in the repository (fixtures/interop; see its README.md). */
export const INTEROP = fileURLToPath(new URL('../../fixtures/interop/', import.meta.url));

/** Reads a JSON file of fixtures/interop. */
export function readInterop(...parts: string[]): any {
  return JSON.parse(readFileSync(join(INTEROP, ...parts), 'utf8'));
}

/** The file names of a folder of fixtures/interop, sorted. */
export function interopFiles(...parts: string[]): string[] {
  return readdirSync(join(INTEROP, ...parts)).sort();
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
// The library's own loader: the core spec and the facet schemas, by $id.
const facetValidators: { keys: string[]; id: string; validate: ValidateFunction }[] = [];
for (const schema of openLineageSchemas().values()) {
  ajv.addSchema(schema);
  if (schema.$id !== OPENLINEAGE_SPEC_ID) facetValidators.push({ keys: Object.keys(schema.properties ?? {}), id: schema.$id, validate: ajv.getSchema(schema.$id)! });
}
ajv.addSchema(LEDGER_FACETS_SCHEMA as object);
facetValidators.push({ keys: Object.keys(LEDGER_FACETS_SCHEMA.properties), id: LEDGER_FACETS_SCHEMA.$id, validate: ajv.getSchema(LEDGER_FACETS_SCHEMA.$id)! });
const core = ajv.getSchema(OPENLINEAGE_SPEC_ID)!;

/** Schema errors of a RunEvent against OpenLineage 2-0-2 and the schema of each facet it uses ([] when valid). */
export function runEventErrors(event: any): string[] {
  const errors: string[] = [];
  if (!core(event)) errors.push(`core: ${ajv.errorsText(core.errors)}`);
  const facetSets: [string, Record<string, any> | undefined][] = [
    ['run', event?.run?.facets],
    ['job', event?.job?.facets],
    ...[...(event?.inputs ?? []), ...(event?.outputs ?? [])].map((d: any): [string, Record<string, any>] => [`dataset ${d.name}`, d.facets]),
  ];
  for (const [where, facets] of facetSets) {
    for (const [name, facet] of Object.entries(facets ?? {})) {
      const v = facetValidators.find((x) => x.keys.includes(name));
      if (!v) {
        errors.push(`${where}: facet ${name} has no vendored schema`);
        continue;
      }
      if (!String(facet._schemaURL).startsWith(v.id)) errors.push(`${where}: facet ${name} names ${facet._schemaURL}, not ${v.id}`);
      if (!v.validate({ [name]: facet })) errors.push(`${where}: facet ${name}: ${ajv.errorsText(v.validate.errors)}`);
    }
  }
  return errors;
}

const AjvDraft04 = draft04.default as unknown as typeof draft04.default.default;
const ajv04 = new AjvDraft04({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv04);
const prov = ajv04.compile(readInterop('prov', 'prov-json.schema.json'));

/** Schema errors of a PROV-JSON document against the W3C submission's schema ([] when valid). */
export function provErrors(doc: unknown): string[] {
  return prov(doc) ? [] : [ajv04.errorsText(prov.errors)];
}
