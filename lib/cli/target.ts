import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isLineageError, LineageError } from '../errors.js';
import { connect } from '../client/remote-ledger.js';
import { open, type Ledger } from '../ledger.js';
import { isPgUrl } from '../log/pg-url.js';

/** Where the CLI's writing commands record: a ledger folder, or a `lineage serve` URL. */
export interface Target {
  /** The ledger folder (absolute), when no URL is given. */
  db?: string;
  /** A `lineage serve` URL (`--url`, else `$LINEAGE_URL`). */
  url?: string;
  /** The server's token (`--token`, else `$LINEAGE_TOKEN`). */
  token?: string;
  /** How long to wait for a folder ledger that another process holds, in milliseconds. */
  lockTimeoutMs: number;
}

/** What the commands use of a ledger: `open()`'s Ledger, and what `connect()` returns for a URL. */
export type LedgerApi = Pick<Ledger, 'track' | 'run' | 'add' | 'select' | 'lineage' | 'finish' | 'close' | 'context'>;

/** Default wait for a held ledger: long enough for a queue of short `lineage exec` steps under make -j16. */
export const DEFAULT_LOCK_TIMEOUT_S = 60;

/** Adds the options of a writing command: where to record, and how long to wait for a held ledger. */
export function targetOptions(command: Command): Command {
  return command
    .option('--url <url>', 'record through `lineage serve` at URL (default: $LINEAGE_URL)')
    .option('--token <token>', 'the server token for --url (default: $LINEAGE_TOKEN)')
    .option('--lock-timeout <seconds>', 'how long to wait for a ledger folder another process holds (default: $LINEAGE_LOCK_TIMEOUT, else 60)');
}

/** The target of a writing command: `--url`/`$LINEAGE_URL` wins over `--db`/`$LINEAGE_DB`, default `./.lineage`. */
export function targetOf(program: Command, command: Command): Target {
  const o = { ...program.opts<{ db?: string }>(), ...command.opts<{ url?: string; token?: string; lockTimeout?: string }>() };
  const url = o.url ?? (o.db === undefined ? nonEmpty(process.env.LINEAGE_URL) : undefined);
  const token = o.token ?? nonEmpty(process.env.LINEAGE_TOKEN);
  const seconds = lockSeconds(o.lockTimeout ?? nonEmpty(process.env.LINEAGE_LOCK_TIMEOUT), o.lockTimeout === undefined ? '$LINEAGE_LOCK_TIMEOUT' : '--lock-timeout');
  const lockTimeoutMs = seconds * 1000;
  if (url !== undefined) return { url, token, lockTimeoutMs };
  const db = o.db ?? nonEmpty(process.env.LINEAGE_DB) ?? '.lineage';
  return { db: isPgUrl(db) ? db : resolve(db), lockTimeoutMs };
}

/**
 * Opens the ledger a target names: the one place where the CLI gets a ledger to write to. A folder
 * another process holds is retried until `lockTimeoutMs`, then LEDGER_LOCKED says who to wait for.
 */
export async function openTarget(target: Target): Promise<LedgerApi> {
  if (target.url !== undefined) {
    return connect(target.url, target.token === undefined ? {} : { token: target.token });
  }
  return openWaiting(target.db!, target.lockTimeoutMs);
}

/** Opens a ledger folder, waiting (with jittered backoff) while another process holds it. */
export async function openWaiting(path: string, timeoutMs: number): Promise<Ledger> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    try {
      return await open(path);
    } catch (err) {
      if (!isLineageError(err, 'LEDGER_LOCKED')) throw err;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new LineageError(
          'LEDGER_LOCKED',
          `ledger ${path} stayed open in another process for ${timeoutMs / 1000} s; wait for it to finish, raise --lock-timeout (or $LINEAGE_LOCK_TIMEOUT, seconds), or run \`lineage serve\` and pass --url so that many processes write at once`,
          { cause: err },
        );
      }
      // Jitter keeps many waiting processes (make -j16) from retrying in lockstep. The cap is short:
      // a holder of `lineage exec` keeps the ledger for tens of ms, and a failed attempt costs less
      // than a lock left idle while every waiter sleeps (250 ms made make -j8 steps wait in turn).
      await sleep(Math.min(left, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 80);
    }
  }
}

function lockSeconds(value: string | undefined, where: string): number {
  if (value === undefined) return DEFAULT_LOCK_TIMEOUT_S;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n > 86_400) throw new LineageError('INVALID_ARGUMENT', `${where} takes seconds (0 to 86400), not ${value}`);
  return n;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
