import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../../fixtures/marquez/', import.meta.url));

/** A documented Marquez response from fixtures/marquez. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
}

// Maps whose keys are free (a run's args, context, facets): only checked to be objects.
const MAPS = new Set(['args', 'context', 'facets']);

/**
 * Every field of Marquez's example is in `actual`, with the same JSON type (null stands for any type),
 * recursively into objects and first array items; maps (args, context, facets) are only checked to be objects.
 */
export function sameShape(actual: unknown, example: unknown, path = '$'): void {
  if (example === null || actual === null) return;
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
  assert.equal(kind(actual), kind(example), `${path}: ${JSON.stringify(actual)?.slice(0, 120)} is not a ${kind(example)} as in Marquez's example`);
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length > 0 && actual.length > 0) sameShape(actual[0], example[0], `${path}[0]`);
  } else if (typeof example === 'object' && typeof actual === 'object') {
    for (const [k, v] of Object.entries(example as object)) {
      assert.ok(k in (actual as object), `${path}.${k} is missing (Marquez has it)`);
      if (MAPS.has(k)) assert.equal(kind((actual as Record<string, unknown>)[k]), 'object', `${path}.${k}`);
      else sameShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}
