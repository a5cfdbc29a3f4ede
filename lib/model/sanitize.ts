import { LineageError } from '../errors.js';
import type { JsonValue } from '../events/types.js';
import { LIMITS } from '../limits.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Checks a name-like string, NFC-normalizes it, and rejects what no name should hold. */
export function cleanName(value: unknown, what: string, max: number = LIMITS.nameLength): string {
  if (typeof value !== 'string') throw new LineageError('INVALID_ARGUMENT', `${what} must be a string, not ${describe(value)}`);
  // NFC shrinks a string at most a few times: far longer input is refused before any O(n) work on it.
  if (value.length > max * 8) throw new LineageError('LIMIT_EXCEEDED', `${what} has ${value.length} characters; the limit is ${max}`);
  // Printable ASCII is well-formed, already NFC and free of control characters: the common case, without normalize().
  if (PRINTABLE_ASCII.test(value)) {
    if (value.length === 0) throw new LineageError('INVALID_ARGUMENT', `${what} must not be empty`);
    if (value.length > max) throw new LineageError('LIMIT_EXCEEDED', `${what} has ${value.length} characters; the limit is ${max}`);
    return value;
  }
  if (!value.isWellFormed()) throw new LineageError('INVALID_ARGUMENT', `${what} contains a lone surrogate; pass well-formed Unicode`);
  const s = value.normalize('NFC');
  if (s.length === 0) throw new LineageError('INVALID_ARGUMENT', `${what} must not be empty`);
  if (s.length > max) throw new LineageError('LIMIT_EXCEEDED', `${what} has ${s.length} characters; the limit is ${max}`);
  // Control characters (NUL included) make names unprintable and unsafe in paths and terminals.
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new LineageError('INVALID_ARGUMENT', `${what} contains a control character`);
  return s;
}

/** Copies params into plain JSON, rejecting what JSON cannot hold exactly (NaN, BigInt, cycles, functions…). */
export function cleanParams(params: unknown): { [key: string]: JsonValue } | undefined {
  if (params === undefined) return undefined;
  if (!isPlainObject(params)) throw new LineageError('INVALID_ARGUMENT', `params must be a plain object, not ${describe(params)}`);
  const budget = { bytes: 0 };
  return copy(params, 0, new Set(), budget, 'params') as { [key: string]: JsonValue };
}

function copy(value: unknown, depth: number, seen: Set<object>, budget: { bytes: number }, path: string): JsonValue {
  if (depth > LIMITS.paramsDepth) throw new LineageError('LIMIT_EXCEEDED', `${path} is nested deeper than ${LIMITS.paramsDepth} levels`);
  charge(budget, 8, path);
  switch (typeof value) {
    case 'string':
      charge(budget, value.length * 3, path);
      if (!value.isWellFormed()) throw new LineageError('INVALID_ARGUMENT', `${path} contains a lone surrogate`);
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new LineageError('INVALID_ARGUMENT', `${path} is ${value}: JSON holds finite numbers only`);
      return Object.is(value, -0) ? 0 : value;
    case 'object': {
      if (value === null) return null;
      if (seen.has(value)) throw new LineageError('INVALID_ARGUMENT', `${path} refers to itself (a cycle)`);
      seen.add(value);
      try {
        if (Array.isArray(value)) return value.map((v, i) => copy(v, depth + 1, seen, budget, `${path}[${i}]`));
        if (!isPlainObject(value)) throw new LineageError('INVALID_ARGUMENT', `${path} is a ${describe(value)}; params hold plain objects, arrays, strings, finite numbers, booleans and null`);
        const out: { [key: string]: JsonValue } = {};
        // Keys in canonical (sorted) order: the event's sealing then writes this copy as it is, without a second, sorted one.
        for (const key of Object.keys(value).sort()) {
          charge(budget, key.length * 3, path);
          if (!key.isWellFormed()) throw new LineageError('INVALID_ARGUMENT', `${path} has a key with a lone surrogate`);
          const v = copy((value as Record<string, unknown>)[key], depth + 1, seen, budget, `${path}.${key}`);
          // defineProperty for __proto__: it stays data and never touches a prototype.
          if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
          else out[key] = v;
        }
        return out;
      } finally {
        seen.delete(value);
      }
    }
    default:
      throw new LineageError('INVALID_ARGUMENT', `${path} is a ${typeof value}; params hold plain JSON values`);
  }
}

function charge(budget: { bytes: number }, n: number, path: string): void {
  budget.bytes += n;
  if (budget.bytes > LIMITS.paramsBytes * 3) throw new LineageError('LIMIT_EXCEEDED', `${path}: params exceed ${LIMITS.paramsBytes} bytes`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value's type for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** The message to record for whatever a scoped run threw (an Error, a string, or an object that cannot even be printed). */
export function errorText(err: unknown): string {
  let text: string;
  try {
    text = err instanceof Error && typeof err.message === 'string' ? err.message : String(err);
  } catch {
    text = `a thrown ${describe(err)}`;
  }
  return text.slice(0, LIMITS.errorLength).toWellFormed();
}

