import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { isLineageError, LineageError } from '../errors.js';
import { open, type Ledger } from '../ledger.js';
import { isPgUrl } from '../log/pg-url.js';
import { formatBytes } from '../render/format.js';
import { ANSI, PLAIN, type Style } from './render-text.js';
import { withProgress } from './progress.js';

/** Exit statuses of the CLI. */
export const EXIT = { ok: 0, no: 1, usage: 2 } as const;

/** Thrown by a command to end with a status after printing what it had to say. */
export class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** The ledger: --db, else $LINEAGE_DB, else ./.lineage; a folder path made absolute, or a `postgres://` URL as it is. */
export function dbPath(program: Command): string {
  const db = program.opts<{ db?: string }>().db ?? process.env.LINEAGE_DB ?? '.lineage';
  return isPgUrl(db) ? db : resolve(db);
}

/** Colours only on a terminal, and never with NO_COLOR. */
export function styleFor(stream: NodeJS.WriteStream): Style {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return stream.isTTY && !noColor ? ANSI : PLAIN;
}

/**
 * Opens the ledger the CLI points at, runs `fn`, and closes it whatever happens. A ledger that does
 * not exist is LEDGER_NOT_FOUND (a reading command must not leave an empty ./.lineage behind in the
 * wrong folder), unless `create` is set, as for a command that writes into a new ledger.
 */
export async function withLedger<T>(program: Command, fn: (ledger: Ledger) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const path = dbPath(program);
  // A PostgreSQL ledger is made by the library when first opened; a URL is never a stray folder.
  if (!options.create && !isPgUrl(path) && !existsSync(join(path, 'log'))) {
    throw new LineageError('LEDGER_NOT_FOUND', `no ledger at ${path}: pass --db PATH or set LINEAGE_DB (\`lineage demo\` makes one to try)`);
  }
  // Opening replays the whole log: a large ledger shows a bar on a terminal while it does.
  const ledger = await withProgress('opening ledger', (p) => open(path, { onProgress: (done, total) => p.update(done, total) }));
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** Prints JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Turns any error into a message on stderr and an exit status. */
export function report(err: unknown): number {
  if (err instanceof Exit) return err.status;
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (isLineageError(err)) {
    process.stderr.write(`lineage: error ${err.code}: ${err.message}\n`);
    return err.code === 'INVALID_ARGUMENT' || err.code === 'QUERY_INVALID' || err.code === 'OUT_OF_RANGE' ? EXIT.usage : EXIT.no;
  }
  process.stderr.write(`lineage: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.no;
}

/** Parses a non-negative integer option, or fails as bad usage. */
export function intOption(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new LineageError('INVALID_ARGUMENT', `${name} takes a non-negative integer, not ${value}`);
  return n;
}

/** Parses `--as-of`: a seq (an integer) or a time (ISO 8601, e.g. 2026-11-27T02:24:17Z), or fails as bad usage. */
export function parseAsOf(value: string): number | Date {
  if (/^\d+$/.test(value)) return intOption(value, '--as-of');
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new LineageError('INVALID_ARGUMENT', `--as-of takes a seq (integer) or an ISO 8601 time, not ${value}`);
  return new Date(t);
}

/** Writes a command's output to `file` (and says so on stderr), or to stdout when there is no file. */
export async function writeOutput(text: string, file: string | undefined): Promise<void> {
  if (file === undefined || file === '-') {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  await writeFile(file, text);
  process.stderr.write(`wrote ${file} (${formatBytes(Buffer.byteLength(text))})\n`);
}

/** A path or argument quoted for a POSIX shell when it needs it, for the example commands the CLI prints. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
