import { readdirSync, readFileSync } from 'node:fs';
import { freeze } from 'immer';

/** The `$id` of the OpenLineage core spec this library reads and writes (2-0-2). */
export const OPENLINEAGE_SPEC_ID = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

/** A JSON Schema as published: an object named by its `$id`. */
export interface JsonSchema {
  readonly $id: string;
  readonly [keyword: string]: unknown;
}

// The one copy of the schemas: fixtures/interop/openlineage of the package, three levels above
// dist/lib/interop at run time (in a clone and in an installed package alike; package.json ships it).
const DIR = new URL('../../../fixtures/interop/openlineage/', import.meta.url);
let loaded: ReadonlyMap<string, JsonSchema> | undefined;

function read(url: URL): JsonSchema {
  const schema = JSON.parse(readFileSync(url, 'utf8')) as JsonSchema;
  if (typeof schema?.$id !== 'string') throw new Error(`${url.pathname} is not a JSON Schema with an $id`);
  // Deep-frozen: one copy is handed to every caller (and to Ajv, which only reads it).
  return freeze(schema, true);
}

/**
 * The vendored OpenLineage schemas by `$id`: the 2-0-2 core spec first, then the standard facet
 * schemas (which refer to the core by its `$id`, so register it with Ajv first). Read once.
 */
export function openLineageSchemas(): ReadonlyMap<string, JsonSchema> {
  if (!loaded) {
    const core = read(new URL('OpenLineage.json', DIR));
    if (core.$id !== OPENLINEAGE_SPEC_ID) throw new Error(`the vendored OpenLineage spec is ${core.$id}, expected ${OPENLINEAGE_SPEC_ID}`);
    const facets = readdirSync(new URL('facets/', DIR)).filter((f) => f.endsWith('.json')).sort().map((f) => read(new URL(`facets/${f}`, DIR)));
    loaded = new Map([core, ...facets].map((s) => [s.$id, s]));
  }
  return loaded;
}
