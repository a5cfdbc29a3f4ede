import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { Ledger } from '../ledger.js';
import { requireToken } from './auth.js';
import { trackRequests } from './concurrency.js';
import { installErrorHandlers } from './http-errors.js';
import { Identities } from './identities.js';
import { installJsonBody } from './json-body.js';
import { marquezRoutes } from './marquez-routes.js';
import { nativeRoutes } from './native-routes.js';
import { uiRoutes } from './ui-routes.js';
import { HttpError } from './http-errors.js';

// Where the native API (connect()'s commands and the log it follows) is mounted.
const NATIVE_PREFIX = '/api/ledger/v1';
import { openLineageReceiver } from './openlineage-receiver.js';
import { SERVER_LIMITS } from './limits.js';

/** Options of `createServer()`. */
export interface ServerOptions {
  /** The open ledger the server reads and writes; the caller closes it after `app.close()`. */
  ledger: Ledger;
  /** When set, every request needs `Authorization: Bearer TOKEN`. */
  token?: string;
  /** pino level of the per-request log lines (default `info`; `silent` for none). */
  logLevel?: string;
  /** Where the log lines go (default stdout). */
  logStream?: NodeJS.WritableStream;
  /** Largest request body in bytes, as sent (default 16 MiB); 413 beyond. */
  bodyLimit?: number;
  /** Largest request body once decompressed (default 4 × bodyLimit, at least 16 MiB); 413 beyond. */
  inflatedLimit?: number;
  /** Reject every write with 403 READ_ONLY. */
  readOnly?: boolean;
  /** Requests handled at once; 503 BUSY beyond (default 256). */
  maxConcurrent?: number;
  /** Largest `depth` of a lineage request (default 100) and most nodes it answers with (default 10,000). */
  maxLineageDepth?: number;
  maxLineageNodes?: number;
  /** Milliseconds a client has to send a whole request (default 30 s; slow clients get 408). */
  requestTimeout?: number;
  /** Namespace of the ledger's own jobs and datasets (default `lineage-ledger.<ledger id>`, as `lineage export`). */
  namespace?: string;
}

/**
 * An HTTP server over one ledger (fastify): the OpenLineage receiver (`POST /api/v1/lineage`),
 * Marquez's read API, the native API that `connect()` uses (`/api/ledger/v1`) and the web page
 * (`/`, its data under `/api/ui/v1`), behind an optional bearer token, with JSON errors `{ code, message }` and
 * limits on bodies, names, lineage size and concurrent requests. `listen()` serves it; `inject()` tests it.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  if (options === null || typeof options !== 'object' || !(options.ledger instanceof Ledger)) throw new TypeError('createServer() takes { ledger } with an open Ledger');
  const { ledger } = options;
  const bodyLimit = options.bodyLimit ?? SERVER_LIMITS.bodyBytes;
  const requestTimeout = options.requestTimeout ?? SERVER_LIMITS.requestTimeoutMs;
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel ?? 'info', ...(options.logStream ? { stream: options.logStream } : {}) },
    // One line per request, written when the response is done (below), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default): a slow client
    // (one byte at a time) is cut off at about the timeout only if the check runs more often.
    serverFactory: (handler) => refuseLargeBeforeContinue(createHttpServer({ requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1000, requestTimeout / 4)), keepAliveTimeout: 5000 }, handler), handler, bodyLimit),
    // Names in paths are up to LIMITS.nameLength characters, percent-encoded up to 3 bytes each... and beyond.
    // Marquez's web UI asks for `/lineage/?nodeId=` and `/search/?q=`: a trailing slash names the same route.
    routerOptions: { maxParamLength: SERVER_LIMITS.paramChars, ignoreTrailingSlash: true },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // Hooks and handlers on the root instance apply to every route, including plugins registered later.
  installErrorHandlers(app);
  trackRequests(app, options.maxConcurrent ?? SERVER_LIMITS.concurrentRequests);
  if (options.token !== undefined) requireToken(app, options.token);
  const limits = { bodyLimit, inflatedLimit: options.inflatedLimit ?? Math.max(4 * bodyLimit, SERVER_LIMITS.bodyBytes) };
  installJsonBody(app, limits);
  // Silent: not even the line's object is made, on every request.
  if (options.logLevel !== 'silent') app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: request.url.slice(0, 512), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100, seq: ledger.head.seq }, 'request');
  });

  const identities = new Identities(ledger, options.namespace === undefined ? {} : { namespace: options.namespace });
  void app.register(openLineageReceiver, { ledger, readOnly: options.readOnly, limits });
  void app.register(marquezRoutes, { ledger, identities, maxDepth: options.maxLineageDepth ?? SERVER_LIMITS.lineageDepth, maxNodes: options.maxLineageNodes ?? SERVER_LIMITS.lineageNodes });
  if (options.readOnly) {
    // The native API's writes are POSTs; its reads by POST (a batch of seqs, verify) change nothing.
    app.addHook('onRequest', async (request) => {
      const path = request.url.split('?')[0]!;
      if (request.method === 'POST' && path.startsWith(`${NATIVE_PREFIX}/`) && path !== `${NATIVE_PREFIX}/events/batch` && path !== `${NATIVE_PREFIX}/verify`) {
        throw new HttpError('READ_ONLY', 'this server is read-only (started with readOnly); it records nothing');
      }
    });
  }
  void app.register(nativeRoutes, { prefix: NATIVE_PREFIX, ledger });
  void app.register(uiRoutes, { ledger });
  return app;
}

/**
 * A client that asks `Expect: 100-continue` (curl does for bodies over 1 MB) with a Content-Length
 * over the limit gets its 413 before it sends the body, not after it started sending it (when the
 * answer could be lost in the reset of a connection closed under a body still arriving).
 */
function refuseLargeBeforeContinue(server: Server, handler: (req: IncomingMessage, res: ServerResponse) => void, bodyLimit: number): Server {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > bodyLimit) {
      const body = JSON.stringify({ code: 'BODY_TOO_LARGE', message: `the body exceeds ${bodyLimit} bytes` });
      res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
      return;
    }
    res.writeContinue();
    handler(req, res);
  });
  return server;
}
