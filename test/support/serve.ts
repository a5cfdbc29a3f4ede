import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as assert from 'uvu/assert';
import { createServer, type Ledger, type ServerOptions } from 'lineage-ledger';
import { MAIN } from '../cli/run-cli.js';

/** A server a test started on 127.0.0.1 at a free port, and how to stop it. */
export interface Serving {
  url: string;
  close(): Promise<void>;
}

/** Serves `ledger` on loopback at a free port, or at `port` to restart on the address a client holds (the caller closes the server, then the ledger). */
export async function serving(ledger: Ledger, options: Omit<ServerOptions, 'ledger'> = {}, port = 0): Promise<Serving> {
  const app = createServer({ logLevel: 'silent', ...options, ledger });
  const url = await app.listen({ host: '127.0.0.1', port });
  return { url, close: () => app.close() };
}

/** A `lineage serve` child process on a free port. */
export interface ServeChild {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** What it wrote on stdout so far (the per-request log lines). */
  stdout: () => string;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | string | null>;
}

/** Starts `lineage --db DB serve --port 0 --log-level silent ARGS` (a later --log-level wins) and waits until it listens. */
export async function serveChild(db: string, args: string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, [MAIN, '--db', db, 'serve', '--port', '0', '--log-level', 'silent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lineage serve did not start in 30 s: ${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`lineage serve exited (${code}) before listening: ${err}`));
    });
  });
  return { url, child, stderr: () => err, stdout: () => out, exited };
}

const PRODUCER = 'https://example.org/lineage-ledger-tests';
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** An OpenLineage dataset in namespace `ns`. */
export function dataset(name: string, ns = 's3://lake'): { namespace: string; name: string } {
  return { namespace: ns, name };
}

/** An OpenLineage RunEvent (valid against 2-0-2). */
export function runEvent(runId: string, eventType: string, job: string, extra: Record<string, unknown> = {}, eventTime = new Date().toISOString()): Record<string, unknown> {
  return { eventTime, eventType, producer: PRODUCER, schemaURL: SCHEMA, run: { runId }, job: { namespace: 'tests', name: job }, inputs: [], outputs: [], ...extra };
}

/** A fresh runId. */
export function newRunId(): string {
  return randomUUID();
}

/** What an HTTP call answered. */
export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** POSTs JSON (optionally gzipped, with a token) and reads the answer. */
export async function post(url: string, body: unknown, options: { gzip?: boolean; token?: string; raw?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const text = options.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.gzip) headers['content-encoding'] = 'gzip';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.gzip ? gzipSync(text) : text;
  const res = await fetch(url, { method: 'POST', headers, body: payload });
  return { status: res.status, body: await readBody(res), headers: res.headers };
}

/** GETs a URL and reads the JSON answer. */
export async function get(url: string, token?: string): Promise<Answer> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await readBody(res), headers: res.headers };
}

/** GETs a URL that must answer 200, and gives its JSON for the caller to check field by field. */
export async function getOk(url: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await get(url);
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  return res.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}
