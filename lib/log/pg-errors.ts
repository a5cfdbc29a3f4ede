import { LineageError } from '../errors.js';

// Socket errors and PostgreSQL's connection-exception (08…) and operator-intervention (57P0…) classes:
// the server went away or is starting or stopping; asking again later may succeed.
const TRANSIENT_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** True when `err` says the database could not be reached or dropped the connection (worth retrying). */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (TRANSIENT_SOCKET.has(code) || code.startsWith('08') || /^57P0[1-4]$/.test(code) || code === '53300')) return true;
  const message = (err as Error)?.message ?? '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed|Connection ended|terminating connection/i.test(message);
}

/** True when the server refused the login or the database does not exist: retrying will not help. */
export function isLoginRefused(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('28') || code === '3D000');
}

/** STORE_UNAVAILABLE naming the ledger (never its password) and what went wrong. */
export function unavailable(display: string, what: string, err: unknown): LineageError {
  const detail = (err as Error)?.message ?? String(err);
  return new LineageError('STORE_UNAVAILABLE', `ledger ${display}: ${what} (${detail})`, { cause: err });
}

/** Backoff between retries: 50 ms doubling to 2 s. */
export function backoff(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
