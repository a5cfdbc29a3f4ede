import { Ajv, type ValidateFunction } from 'ajv';
import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import { LIMITS } from '../limits.js';
import { JSON_VALUE_SCHEMA, SCHEMAS } from './schemas.js';
import type { EventInput, EventType, OpenLineageLinked, RunAmended, RunStarted, RunStartedV1 } from './types.js';

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
ajv.addSchema(JSON_VALUE_SCHEMA);

type Catalog = Record<string, Record<number, unknown>>;
// Each schema is compiled on its first use, not at import: a short-lived process (a `lineage exec`
// step) writes a few types of event, and compiling all of them cost more than the rest of its start.
const compiled = new Map<string, ValidateFunction>();

/** The validator of `type` at version `v`, compiled once; undefined for an unknown type or version. */
function validatorOf(type: string, v: number | string): ValidateFunction | undefined {
  const key = `${type}@${v}`;
  let validate = compiled.get(key);
  if (validate === undefined) {
    const versions = Object.prototype.hasOwnProperty.call(SCHEMAS, type) ? (SCHEMAS as Catalog)[type]! : undefined;
    const schema = versions && Object.prototype.hasOwnProperty.call(versions, v) ? versions[Number(v)] : undefined;
    if (schema === undefined) return undefined;
    validate = ajv.compile(schema as object);
    compiled.set(key, validate);
  }
  return validate;
}

/** The version at which new events of each type are written. */
export const CURRENT_VERSION: Record<EventType, number> = Object.fromEntries(
  Object.entries(SCHEMAS as Catalog).map(([type, versions]) => [type, Math.max(...Object.keys(versions).map(Number))]),
) as Record<EventType, number>;

// The validator of each type's current version, looked up once rather than by a `type@v` key per event.
const CURRENT_VALIDATOR = new Map<string, ValidateFunction>();

/** True for a known event type name. */
export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(CURRENT_VERSION, type);
}

/** Throws INVALID_EVENT unless `data` satisfies the schema of `type` at version `v`. */
export function validateEvent(type: string, v: number, data: unknown): void {
  const validate = validatorOf(type, v);
  if (!validate) throw new LineageError('INVALID_EVENT', `unknown event type or version: ${type} v${v}`);
  check(validate, type, v, data);
}

/** Throws INVALID_EVENT unless `validate` accepts `data`. */
function check(validate: ValidateFunction, type: string, v: number, data: unknown): void {
  if (!validate(data)) {
    const err = validate.errors?.[0];
    const where = err?.instancePath || '/';
    throw new LineageError('INVALID_EVENT', `${type} v${v}: ${where} ${err?.message ?? 'is invalid'}`, {
      cause: validate.errors,
    });
  }
}

/** Validates an event about to be written at the current version of its type. */
export function validateInput(event: EventInput): number {
  if (event === null || typeof event !== 'object' || typeof event.type !== 'string' || !isEventType(event.type)) {
    throw new LineageError('INVALID_EVENT', `unknown event type: ${show((event as { type?: unknown })?.type)}`);
  }
  const v = CURRENT_VERSION[event.type];
  let validate = CURRENT_VALIDATOR.get(event.type);
  if (validate === undefined) CURRENT_VALIDATOR.set(event.type, (validate = validatorOf(event.type, v)!));
  check(validate, event.type, v, event.data);
  return v;
}

/**
 * Upcasters: `UPCASTERS[type][v]` turns data written at version `v` into version `v + 1`. Stored bytes
 * are never rewritten; events are upcast on read, one version at a time.
 */
const UPCASTERS: { readonly [T in EventType]?: Readonly<Record<number, (data: never) => unknown>> } = {
  'run.started': {
    // v2 adds `environment`; it was never recorded before, and guessing it would be a lie: it stays absent.
    1: (data: RunStartedV1): RunStarted => ({ ...data }),
  },
  'run.amended': {
    // v2 adds `transformId`; amendments written before never moved a run to another transform.
    1: (data: RunAmended): RunAmended => data,
  },
  'openlineage.linked': {
    // v2 adds `placeholder`; links written before were never placeholders.
    1: (data: OpenLineageLinked): OpenLineageLinked => data,
  },
};

// Every version below the current one must have its upcaster, or old logs would not be readable.
for (const [type, current] of Object.entries(CURRENT_VERSION)) {
  for (let v = 1; v < current; v++) {
    if (!UPCASTERS[type as EventType]?.[v]) throw new Error(`lineage-ledger: no upcaster for ${type} v${v} → v${v + 1}`);
  }
}

/** Upgrades an event's data from the version it was written at to the current one. */
export function upcast(type: EventType, v: number, data: unknown): unknown {
  const current = CURRENT_VERSION[type];
  if (!Number.isSafeInteger(v) || v < 1 || v > current) {
    throw new LineageError('LEDGER_FORMAT', `an event of type ${type} has version ${v}, which this version of lineage-ledger does not know (it reads up to v${current}); upgrade lineage-ledger`);
  }
  let out = data;
  for (let from = v; from < current; from++) out = UPCASTERS[type]![from]!(out as never);
  return out;
}

export { LIMITS };
