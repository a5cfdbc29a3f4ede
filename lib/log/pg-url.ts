import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { PoolConfig } from 'pg';
import { LineageError } from '../errors.js';

/** A ledger on PostgreSQL: how to connect, which ledger, and how to name it without its password. */
export interface PgTarget {
  /** node-postgres settings: the URL without our own parameters; PG* variables fill what it leaves out. */
  config: PoolConfig;
  /** The ledger's name inside the database (`?ledger=NAME`, default `default`). */
  ledger: string;
  /** The URL as messages show it: never a password. */
  display: string;
  /** How long a read or an append keeps retrying an unreachable database before STORE_UNAVAILABLE. */
  retryMs: number;
}

const LEDGER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Our own query parameters; every other one (sslmode, application_name, …) goes to node-postgres as it is.
const OURS = ['ledger', 'retry_ms'];

/** True for a `postgres://` or `postgresql://` URL. */
export function isPgUrl(target: unknown): target is string {
  return typeof target === 'string' && /^postgres(ql)?:\/\//i.test(target);
}

/** Parses a ledger URL; INVALID_ARGUMENT (with the URL shown without its password) when it is not one. */
export function parsePgUrl(url: string): PgTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LineageError('INVALID_ARGUMENT', `not a PostgreSQL URL: ${redact(url)}; the form is postgres://user@host:port/db?ledger=NAME`);
  }
  const ledger = u.searchParams.get('ledger') ?? 'default';
  if (!LEDGER_NAME.test(ledger)) throw new LineageError('INVALID_ARGUMENT', `ledger=${JSON.stringify(ledger.slice(0, 80))}: a ledger name is 1 to 64 letters, digits, '_', '.' or '-'`);
  const retryText = u.searchParams.get('retry_ms');
  const retryMs = retryText === null ? 30_000 : Number(retryText);
  if (!Number.isSafeInteger(retryMs) || retryMs < 0) throw new LineageError('INVALID_ARGUMENT', `retry_ms must be a whole number of milliseconds, not ${JSON.stringify(retryText)}`);
  for (const p of OURS) u.searchParams.delete(p);
  const user = decodeURIComponent(u.username) || process.env.PGUSER || userInfo().username;
  const host = u.hostname || process.env.PGHOST || 'localhost';
  const port = u.port || process.env.PGPORT || '5432';
  const database = decodeURIComponent(u.pathname.slice(1)) || process.env.PGDATABASE || user;
  const config: PoolConfig = { connectionString: u.toString() };
  // No password in the URL or PGPASSWORD: the password file, as libpq reads it (node-postgres's own reader is deprecated).
  if (!u.password && process.env.PGPASSWORD === undefined) {
    const fromFile = passwordFromFile(host, port, database, user);
    if (fromFile !== undefined) config.password = fromFile;
  }
  const display = `postgres://${encodeURIComponent(user)}@${u.host || `${host}:${port}`}/${encodeURIComponent(database)}?ledger=${ledger}`;
  return { config, ledger, display, retryMs };
}

/** A URL as it may be shown: with any password replaced. */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

/** The password for this connection from PGPASSFILE or ~/.pgpass (host:port:database:user:password, `*` matches anything). */
function passwordFromFile(host: string, port: string, database: string, user: string): string | undefined {
  const file = process.env.PGPASSFILE ?? join(homedir(), '.pgpass');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const want = [host, port, database, user];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitEscaped(line);
    if (fields.length < 5) continue;
    if (want.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields.slice(4).join(':');
  }
  return undefined;
}

// Fields are separated by ':'; '\:' and '\\' stand for themselves.
function splitEscaped(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':' && out.length < 4) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
