// A stand-in for the server's createServer() until the two branches merge: the native routes under
// their prefix, behind a bearer token when one is given, with LineageErrors as { code, message }.
import Fastify, { type FastifyError } from 'fastify';
import { isLineageError, type Ledger } from 'lineage-ledger';
import { nativeRoutes, type NativeRoutesOptions } from '../../lib/server/native-routes.js';

/** A running server: its address, and how to stop it. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { UNAUTHORIZED: 401, LIMIT_EXCEEDED: 413, OUT_OF_RANGE: 416, LEDGER_CLOSED: 503, WRITE_FAILED: 500, LEDGER_CORRUPT: 500 };

/** Serves `ledger`'s native API on 127.0.0.1 on a free port. */
export async function serveNative(ledger: Ledger, options: { token?: string; port?: number } & Omit<NativeRoutesOptions, 'ledger'> = {}): Promise<TestServer> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (isLineageError(err)) {
      const status = STATUS[err.code] ?? (err.code.endsWith('_NOT_FOUND') ? 404 : 400);
      return reply.status(status).send({ code: err.code, message: err.message });
    }
    if (err.validation) return reply.status(400).send({ code: 'INVALID_ARGUMENT', message: err.message });
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    return reply.status(status).send({ code: status === 413 ? 'LIMIT_EXCEEDED' : status < 500 ? 'INVALID_ARGUMENT' : 'WRITE_FAILED', message: err.message });
  });
  if (options.token !== undefined) {
    const expected = `Bearer ${options.token}`;
    app.addHook('onRequest', async (req, reply) => {
      if (req.headers.authorization !== expected) return reply.status(401).send({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    });
  }
  const { token: _token, port = 0, ...routes } = options;
  await app.register(nativeRoutes, { prefix: '/api/ledger/v1', ledger, ...routes });
  const url = await app.listen({ host: '127.0.0.1', port });
  return { url, close: () => app.close() };
}
