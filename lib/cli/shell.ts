import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LineageError } from '../errors.js';
import { Run } from '../model/records.js';
import { LIMITS } from '../limits.js';
import { type LedgerApi, openTarget, type Target } from './target.js';

// Helpers of the shell-level commands (exec, track, add, finish): their arguments and their ledger sessions.

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `NAME[@VERSION]`: the version follows the last `@` (a name may start with one, as `@scope/tool`). */
export function parseTransform(spec: string): { name: string; version?: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return { name: spec };
  const version = spec.slice(at + 1);
  if (version === '') throw new LineageError('INVALID_ARGUMENT', `${spec}: a version follows the @ (NAME@VERSION)`);
  return { name: spec.slice(0, at), version };
}

/** `KEY=VALUE` pairs into params (values stay strings); a repeated or reserved key is bad usage. */
export function parseParams(pairs: readonly string[], reserved: readonly string[] = []): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new LineageError('INVALID_ARGUMENT', `--param takes KEY=VALUE, not ${pair}`);
    const key = pair.slice(0, eq);
    if (reserved.includes(key)) throw new LineageError('INVALID_ARGUMENT', `--param ${key}: "${key}" is where lineage records the command; pick another key`);
    if (Object.prototype.hasOwnProperty.call(params, key)) throw new LineageError('INVALID_ARGUMENT', `--param ${key} is given twice`);
    Object.defineProperty(params, key, { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return params;
}

// Names whose values are credentials: recorded as redacted, since the log can never forget a value.
const SECRET = /TOKEN|SECRET|PASSW|PASSPHRASE|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY|AUTH|COOKIE|SESSION/i;
const REDACTED = '[redacted]';

/** What a run records of the command it ran: argv, working folder, and the environment with secrets redacted. */
export function commandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const vars: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (value !== undefined) vars[key] = SECRET.test(key) ? REDACTED : value;
  }
  const record: Record<string, unknown> = { argv: [...argv], cwd: process.cwd(), env: vars };
  // params have a size limit; an environment past a quarter of it is recorded by names only.
  if (Buffer.byteLength(JSON.stringify(vars)) > LIMITS.paramsBytes / 4) record.env = { omitted: 'values too large to record', names: Object.keys(vars) };
  return record;
}

/** The command's environment: the run it belongs to, and the ledger to record child runs in. */
export function childEnv(target: Target, runId: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LINEAGE_RUN: runId };
  if (target.url !== undefined) {
    env.LINEAGE_URL = target.url;
    if (target.token !== undefined) env.LINEAGE_TOKEN = target.token;
    delete env.LINEAGE_DB;
  } else {
    env.LINEAGE_DB = target.db;
    delete env.LINEAGE_URL;
  }
  return env;
}

/** The full path of a command found on the PATH, as `sh` would run it. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** A run by id, or RUN_NOT_FOUND. */
export function findRun(ledger: LedgerApi, id: string): Run {
  const run = ledger.select(Run, { id }).first();
  if (!run) throw new LineageError('RUN_NOT_FOUND', `no run ${id} in this ledger; \`lineage log --type run.started\` lists the runs`);
  return run;
}

/** One short session on the target: open (waiting for the lock), `fn`, close, whatever happens. */
export async function withTarget<T>(target: Target, fn: (ledger: LedgerApi) => Promise<T>): Promise<T> {
  const ledger = await openTarget(target);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
