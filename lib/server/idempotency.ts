import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

const KEY = /^[\x21-\x7e]{1,200}$/;
const remembered = Symbol('idempotency');

/**
 * Makes the writes of `app` (this plugin's scope: one ledger's routes) idempotent under an
 * `Idempotency-Key` header: the server remembers the answers of the last `capacity` keys (an LRU),
 * and a request with a key it knows gets the first answer again, nothing written twice. A retry that
 * arrives while the first is still running waits for it. Server-side failures (5xx) are forgotten,
 * so that a retry of one runs again. The same key on another method or path is refused (400).
 */
export function idempotentWrites(app: FastifyInstance, capacity: number): void {
  const answers = new Lru<string, Answer | Pending>(capacity);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') return;
    if (typeof key !== 'string' || !KEY.test(key)) {
      return reply.status(400).send({ code: 'BAD_REQUEST', message: 'Idempotency-Key must be 1 to 200 visible ASCII characters (a UUID)' });
    }
    const request = `${req.method} ${req.url}`;
    for (;;) {
      const seen = answers.get(key);
      if (seen === undefined) break;
      if (seen.request !== request) {
        return reply.status(400).send({ code: 'BAD_REQUEST', message: `Idempotency-Key ${key} was used for another request (${seen.request.split('?')[0]}); use a fresh key per write` });
      }
      if ('done' in seen) {
        await seen.done;
        continue;
      }
      void reply.header('idempotent-replayed', 'true');
      if (seen.contentType) void reply.type(seen.contentType);
      return reply.status(seen.status).send(seen.payload);
    }
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    answers.set(key, { request, done, settle });
    (req as FastifyRequest & { [remembered]?: string })[remembered] = key;
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
}
