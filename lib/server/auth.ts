import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-errors.js';

/**
 * Requires `Authorization: Bearer TOKEN` on every request of `app` (the OpenLineage clients'
 * `api_key` auth sends exactly this). Both sides are hashed first, so the comparison takes the same
 * time whatever the length or content of a wrong token.
 */
export function requireToken(app: FastifyInstance, token: string): void {
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('the server token must be a non-empty string');
  const want = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    // The web page's own files hold no ledger data (its data comes from /api/ui/v1, which needs the token).
    if (request.method === 'GET' && PAGE_FILES.test(request.url)) return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (m && timingSafeEqual(digest(m[1]!), want)) return;
    reply.header('WWW-Authenticate', 'Bearer realm="lineage-ledger"');
    throw new HttpError('UNAUTHORIZED', header === undefined ? 'this server needs Authorization: Bearer TOKEN' : 'the bearer token is not the right one');
  });
}

// The bundled web page: index, hashed assets, icon.
const PAGE_FILES = /^\/(?:\?.*)?$|^\/assets\/[^?]*|^\/favicon\.svg$/;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
