import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';

/**
 * Answers 503 BUSY (with Retry-After) beyond `max` requests in flight, instead of queueing
 * without bound: a client that floods the server slows itself, not everyone's memory.
 */
export function limitConcurrency(app: FastifyInstance, max: number): void {
  let inFlight = 0;
  app.addHook('onRequest', async (_request, reply) => {
    if (inFlight >= max) {
      reply.header('Retry-After', '1');
      throw new HttpError('BUSY', `the server is handling ${max} requests; retry in a moment`);
    }
    inFlight++;
    // 'close' fires once whether the response finished or the client went away.
    reply.raw.once('close', () => inFlight--);
  });
}
