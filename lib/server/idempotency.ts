import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { LedgerEvent } from '../events/types.js';
import type { Ledger } from '../ledger.js';
import { Lru } from './lru.js';

/** The header a client names a write with, so that a retry of it is answered, not written again. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** What a write answered: replayed as is to a retry with the same key. */
interface Answer {
  request: string;
  status: number;
  payload: string;
  contentType: string | undefined;
}

/** A key whose first request is still running: retries wait for its answer. */
interface Pending {
  request: string;
  done: Promise<void>;
  settle: () => void;
}

/** A key found in the log (a request answered before this server started): its events end at `seq`. */
interface Recovered {
  request: string;
  seq: number;
  events: number;
}

/** Rebuilds the JSON answer of a request from the events it appended (in order) and the seq they end at. */
export type AnswerOf = (path: string, events: LedgerEvent[], seq: number) => object;

/** Options of `idempotentWrites()`. */
export interface IdempotencyOptions {
  /** How many keys are remembered (the last ones). */
  capacity: number;
  /** The ledger the writes go to: each keyed write's batch records its key, and a restarted server reads them back. */
  ledger: Ledger;
  /** How a recovered request's answer is made again from its events. */
  answerOf: AnswerOf;
}

const KEY = /^[\x21-\x7e]{1,200}$/;
const remembered = Symbol('idempotency');
// How far back in the log a starting server looks for keys: past this many events, a retry is long overdue.
const RECOVER_EVENTS = 200_000;

/**
 * Makes the writes of `app` (this plugin's scope: one ledger's routes) idempotent under an
 * `Idempotency-Key` header: a request with a key the server knows gets the first answer again,
 * nothing written twice. Keys are known two ways: the answers of the last `capacity` keys are kept
 * in memory (an LRU), and every keyed write's batch ends with a `request.keyed` event naming its key
 * (in the log exactly when the write is), which a server started later reads back from the log's
 * tail and answers from. A retry that arrives while the first is still running waits for it.
 * Server-side failures (5xx) are forgotten, so that a retry of one runs again. The same key on
 * another method or path is refused (400).
 */
export function idempotentWrites(app: FastifyInstance, { capacity, ledger, answerOf }: IdempotencyOptions): void {
  const answers = new Lru<string, Answer | Pending | Recovered>(capacity);
  // Keyed requests wait until the log's keys are read (once, at the first keyed request).
  let recovering: Promise<void> | undefined;

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      return reply.status(400).send({ code: 'BAD_REQUEST', message: 'Idempotency-Key must be 1 to 200 visible ASCII characters (a UUID)' });
    }
    // A failed read (the log unreadable for a moment) fails this request and is tried again by the next.
    await (recovering ??= recover().catch((err: unknown) => {
      recovering = undefined;
      throw err;
    }));
    const request = `${req.method} ${req.url}`;
    for (;;) {
      const seen = answers.get(key);
      if (seen === undefined) break;
      // A recovered key knows its path, not its query (kept short in the log).
      if ('seq' in seen ? seen.request !== pathOf(request) : seen.request !== request) {
        return reply.status(400).send({ code: 'BAD_REQUEST', message: `Idempotency-Key ${key} was used for another request (${seen.request.split('?')[0]}); use a fresh key per write` });
      }
      if ('done' in seen) {
        await seen.done;
        continue;
      }
      void reply.header('idempotent-replayed', 'true');
      if ('seq' in seen) {
        const seqs = Array.from({ length: seen.events }, (_, i) => seen.seq - seen.events + i);
        const events = (await ledger.log.getEvents(seqs)).map((s) => s.event);
        return reply.status(200).send(answerOf(seen.request.slice(seen.request.indexOf(' ') + 1), events, seen.seq));
      }
      if (seen.contentType) void reply.type(seen.contentType);
      return reply.status(seen.status).send(seen.payload);
    }
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    answers.set(key, { request, done, settle });
    (req as FastifyRequest & { [remembered]?: string })[remembered] = key;
  });

  // The handler of every write runs in the ledger's keyed scope: the batches it appends record the key.
  app.addHook('onRoute', (route) => {
    if (route.method !== 'POST') return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function keyedHandler(this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
      const key = (req as FastifyRequest & { [remembered]?: string })[remembered];
      if (key === undefined) return handler.call(this, req, reply);
      return ledger.keyed({ key, request: pathOf(`${req.method} ${req.url}`) }, async () => handler.call(this, req, reply));
    };
  });

  // The answer is kept even when the client has gone (its connection reset): that is the retry's case.
  app.addHook('onSend', async (req, reply, payload) => {
    const key = (req as FastifyRequest & { [remembered]?: string })[remembered];
    if (key === undefined) return payload;
    const pending = answers.get(key);
    if (pending === undefined || !('done' in pending)) return payload;
    // A server-side failure is not an answer to keep: its retry runs again. Streams are never writes' answers.
    if (reply.statusCode >= 500 || typeof payload !== 'string') answers.delete(key);
    else answers.set(key, { request: pending.request, status: reply.statusCode, payload, contentType: reply.getHeader('content-type') as string | undefined });
    pending.settle();
    return payload;
  });

  // A request that ended without passing onSend (never expected): its waiters must not wait forever.
  app.addHook('onResponse', async (req) => {
    const key = (req as FastifyRequest & { [remembered]?: string })[remembered];
    const pending = key === undefined ? undefined : answers.get(key);
    if (pending !== undefined && 'done' in pending) {
      answers.delete(key!);
      pending.settle();
    }
  });

  /** Reads the keys of the log's tail, oldest first, under the ones this server has seen itself. */
  async function recover(): Promise<void> {
    const head = ledger.head.seq;
    const found: [string, Recovered][] = [];
    for await (const batch of ledger.log.read(Math.max(1, head - RECOVER_EVENTS + 1), head)) {
      for (const { event } of batch) {
        if (event.type === 'request.keyed') found.push([event.data.key, { request: event.data.request, seq: event.seq, events: event.data.events }]);
      }
    }
    for (const [key, r] of found.slice(-capacity)) if (answers.get(key) === undefined) answers.set(key, r);
  }
}

/** `METHOD /path` without the query. */
function pathOf(request: string): string {
  const q = request.indexOf('?');
  return q < 0 ? request : request.slice(0, q);
}
