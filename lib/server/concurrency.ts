import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

// A request of connect()'s follower: open for as long as the client is connected.
const FOLLOW = /^\/api\/ledger\/v1\/events\?(?:[^#]*&)?follow=true(?:&|$)/;

/**
 * Answers 503 BUSY (with Retry-After) beyond `max` requests in flight, instead of queueing
 * without bound: a client that floods the server slows itself, not everyone's memory. And makes
 * `app.close()` wait until the requests in flight are answered (fastify's close alone can resolve
 * first), so that whoever closes the ledger after it never cuts an acknowledged write short.
 */
export function trackRequests(app: FastifyInstance, max: number): void {
  let inFlight = 0;
  const counted = new WeakMap<FastifyRequest, () => void>();
  let drained: (() => void) | undefined;
  app.addHook('onRequest', async (request, reply) => {
    // A client following the log holds its request open for as long as it is connected: not a
    // request in flight (the native API ends those streams itself when the server closes).
    if (FOLLOW.test(request.url)) return;
    if (inFlight >= max) {
      reply.header('Retry-After', '1');
      throw new HttpError('BUSY', `the server is handling ${max} requests; retry in a moment`);
    }
    inFlight++;
    // A socket Node destroys mid-request (a client that half-closed while the server shuts down)
    // gets neither onResponse nor onRequestAbort: its 'close' ends the request too.
    const socket = request.raw.socket;
    const onClose = () => void done(request);
    socket.once('close', onClose);
    counted.set(request, () => socket.off('close', onClose));
  });
  // The response sent, or the client gone: each request counted once. (The raw response's 'close'
  // cannot serve: it fires early for a request whose body is still coming when the server closes.)
  const done = async (request: FastifyRequest) => {
    const forget = counted.get(request);
    if (!forget) return;
    forget();
    counted.delete(request);
    if (--inFlight === 0) drained?.();
  };
  app.addHook('onResponse', done);
  app.addHook('onRequestAbort', done);
  app.addHook('onClose', async () => {
    if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  });
}
