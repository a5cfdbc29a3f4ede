import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { ERROR_CODES, type ErrorCode, LineageError } from '../errors.js';

/** Where the native API lives under a server's address. */
export const API_PREFIX = '/api/ledger/v1';

/** A request body: JSON, or content uploaded as bytes or a stream with its length (a function making the stream lets a retry send it again). */
export type Body = { json: unknown } | { content: Readable | Uint8Array | (() => Readable); length: number };

/** How long a request waits, by default, for the server to start answering. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The pauses before the second and third attempt of a request whose connection broke before it was answered. */
const RETRY_PAUSES_MS = [100, 400];
/** Socket errors after which the request may be sent again: it never arrived, or its answer was lost. */
const LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ECONNABORTED']);

/**
 * The client's HTTP transport: keep-alive connections to one server, the bearer token on every
 * request, and the server's `{ code, message }` errors turned back into LineageErrors. Every write
 * carries an `Idempotency-Key` of its own, and a request whose connection broke (refused, reset before
 * or during the answer) is sent again with the same key, twice at most: the server answers a write it
 * already did with its first answer, so a lost answer never writes twice. A server silent for longer
 * than the timeout is CONNECTION_FAILED.
 */
export class Http {
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #auth: string | undefined;
  readonly #timeout: number;

  constructor(url: string, token: string | undefined, timeout = DEFAULT_TIMEOUT_MS) {
    let base: URL;
    try {
      base = new URL(url);
    } catch {
      throw new LineageError('INVALID_ARGUMENT', `connect() takes the server's address, e.g. http://127.0.0.1:5000, not ${JSON.stringify(url)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new LineageError('INVALID_ARGUMENT', `connect() takes an http:// or https:// address, not ${base.protocol}`);
    this.#base = base;
    const secure = base.protocol === 'https:';
    // noDelay: a small request must not wait for the server's delayed ACK of the one before (Nagle).
    this.#agent = secure ? new https.Agent({ keepAlive: true, noDelay: true }) : new http.Agent({ keepAlive: true, noDelay: true });
    this.#request = secure ? https.request : http.request;
    this.#auth = token === undefined ? undefined : `Bearer ${token}`;
    this.#timeout = timeout;
  }

  /** The server's address, as given. */
  get url(): string {
    return this.#base.href;
  }

  /** Sends a request and parses the JSON answer; a non-2xx answer throws its LineageError. */
  async json<T>(method: string, path: string, body?: Body): Promise<T> {
    const key = idempotencyKey(method);
    // The answer's body is inside the retry: a connection reset while it arrives is a lost answer too.
    const text = await this.#retrying(body, async () => readText(await this.#once(method, path, body, key)));
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new LineageError('CONNECTION_FAILED', `${this.#where(path)} answered with something other than JSON`, { cause: err });
    }
  }

  /** Sends a request and resolves with the response once its status is 2xx (its body is the caller's to read). */
  send(method: string, path: string, body?: Body): Promise<IncomingMessage> {
    const key = idempotencyKey(method);
    return this.#retrying(body, () => this.#once(method, path, body, key));
  }

  /** Runs `attempt` again after a pause when its connection broke, while the body can be sent again. */
  async #retrying<T>(body: Body | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        const pause = RETRY_PAUSES_MS[i];
        if (pause === undefined || !lost(err) || !replayable(body)) throw err;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  #once(method: string, path: string, body: Body | undefined, key: string | undefined): Promise<IncomingMessage> {
    const url = new URL(`${this.#base.pathname.replace(/\/$/, '')}${API_PREFIX}${path}`, this.#base);
    const headers: Record<string, string> = { accept: 'application/json, application/x-ndjson, application/octet-stream' };
    if (this.#auth) headers.authorization = this.#auth;
    if (key !== undefined) headers['idempotency-key'] = key;
    let payload: Readable | Uint8Array | undefined;
    if (body && 'json' in body) {
      payload = Buffer.from(JSON.stringify(body.json));
      headers['content-type'] = 'application/json';
    } else if (body) {
      payload = typeof body.content === 'function' ? body.content() : body.content;
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    if (payload instanceof Uint8Array) headers['content-length'] = String(payload.byteLength);
    return new Promise((resolve, reject) => {
      const req = this.#request(url, { method, headers, agent: this.#agent }, (res) => {
        // The server has started answering: what follows (a long event stream) is the caller's to time.
        req.setTimeout(0);
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) return resolve(res);
        readText(res).then(
          (text) => reject(this.#error(path, res.statusCode ?? 0, text)),
          (err) => reject(err),
        );
      });
      req.setTimeout(this.#timeout, () => {
        req.destroy(new LineageError('CONNECTION_FAILED', `${this.#where(path)} did not answer within ${this.#timeout} ms (connect(url, { timeout }) sets how long to wait)`));
      });
      req.on('error', (err) => reject(err instanceof LineageError ? err : new LineageError('CONNECTION_FAILED', `${this.#where(path)}: ${err.message}`, { cause: err })));
      if (payload === undefined) req.end();
      else if (payload instanceof Uint8Array) req.end(payload);
      else {
        payload.on('error', (err) => req.destroy(err));
        payload.pipe(req);
      }
    });
  }

  /** Drops the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #where(path: string): string {
    return `ledger server ${this.#base.origin} (${path.split('?')[0]})`;
  }

  #error(path: string, status: number, text: string): LineageError {
    let body: { code?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* not JSON: the status says what there is to say */
    }
    const message = typeof body.message === 'string' ? body.message : `${this.#where(path)} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (typeof body.code === 'string' && Object.hasOwn(ERROR_CODES, body.code)) return new LineageError(body.code as ErrorCode, message);
    const code: ErrorCode = status === 401 || status === 403 ? 'UNAUTHORIZED' : status === 413 ? 'LIMIT_EXCEEDED' : status === 404 ? 'INVALID_ARGUMENT' : status < 500 ? 'INVALID_ARGUMENT' : 'CONNECTION_FAILED';
    return new LineageError(code, typeof body.code === 'string' ? `${message} (${body.code})` : message);
  }
}

/** A fresh key for a write (its retries reuse it); reads need none. */
function idempotencyKey(method: string): string | undefined {
  return method === 'GET' || method === 'HEAD' ? undefined : randomUUID();
}

/** Whether the request broke on its connection (never arrived, or its answer was lost): worth sending again. */
function lost(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return err instanceof LineageError && err.code === 'CONNECTION_FAILED' && typeof cause?.code === 'string' && LOST.has(cause.code);
}

/** Whether the body can be sent a second time (a stream already read cannot). */
function replayable(body: Body | undefined): boolean {
  return body === undefined || 'json' in body || typeof body.content === 'function' || body.content instanceof Uint8Array;
}

/** The whole body of a response as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of res) chunks.push(c as Buffer);
  } catch (err) {
    throw new LineageError('CONNECTION_FAILED', `the ledger server broke off its answer: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The lines of a newline-delimited stream, as bytes, a batch per chunk received (empty lines are keep-alives and skipped). */
export async function* lines(res: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let rest: Buffer | undefined;
  for await (const chunk of res) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      if (nl > start) out.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
    if (out.length) yield out;
  }
  if (rest) throw new LineageError('CONNECTION_FAILED', 'the ledger server broke off an event stream in the middle of an event');
}
