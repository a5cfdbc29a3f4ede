import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENLINEAGE_SPEC_ID as CORE_ID, openLineageSchemas } from './openlineage-schemas.js';

let shared: Ajv2020 | undefined;
let compiled: { root: ValidateFunction; runEvent: ValidateFunction } | undefined;

/** The one Ajv instance that holds the vendored OpenLineage schemas (the core spec and the standard facets), each compiled on first use. */
export function openLineageAjv(): Ajv2020 {
  if (!shared) {
    // The spec carries `example` annotations that strict mode would reject as unknown keywords.
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    // The core first: the facet schemas refer to it by its `$id`.
    for (const schema of openLineageSchemas().values()) ajv.addSchema(schema);
    shared = ajv;
  }
  return shared;
}

function validators(): { root: ValidateFunction; runEvent: ValidateFunction } {
  if (!compiled) {
    const ajv = openLineageAjv();
    compiled = { root: ajv.getSchema(CORE_ID)!, runEvent: ajv.getSchema(`${CORE_ID}#/$defs/RunEvent`)! };
  }
  return compiled;
}

/** What an OpenLineage event is, or what is wrong with it. */
export type Checked = { kind: 'run' } | { kind: 'other' } | { kind: 'invalid'; message: string };

/** Validates one parsed event against OpenLineage 2-0-2: a RunEvent, another valid event (JobEvent, DatasetEvent), or invalid. */
export function checkOpenLineage(value: unknown): Checked {
  const v = validators();
  const isRun = value !== null && typeof value === 'object' && !Array.isArray(value) && 'run' in value;
  // A RunEvent's own definition gives a clearer message than the root's oneOf.
  const validate = isRun ? v.runEvent : v.root;
  if (validate(value)) return { kind: isRun ? 'run' : 'other' };
  const e = validate.errors?.[0];
  return { kind: 'invalid', message: `${e?.instancePath || '/'} ${e?.message ?? 'is invalid'} (OpenLineage 2-0-2)` };
}
