import type { FastifyError, FastifyInstance } from 'fastify';
import { isLineageError } from '../errors.js';

/**
 * The HTTP status of each error code: the ledger's codes (lib/errors.ts), the codes of codes other
 * modules may add (RUN_JOB_CONFLICT), and the server's own. One table, so every route answers alike.
 */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  // The caller's input.
  INVALID_EVENT: 400,
  INVALID_FACET: 400,
  INVALID_ARGUMENT: 400,
  IMPORT_INVALID: 400,
  QUERY_INVALID: 400,
  OUT_OF_RANGE: 400,
  NO_ENTRY_SCRIPT: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  READ_ONLY: 403,
  // What the caller named does not exist.
  NOT_FOUND: 404,
  LEDGER_NOT_FOUND: 404,
  TRANSFORM_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  CONTENT_MISSING: 404,
  METHOD_NOT_ALLOWED: 405,
  // The request contradicts what the ledger holds.
  RECORD_NOT_SAVED: 409,
  NO_RUN_CONTEXT: 409,
  QUERY_NOT_ONE: 409,
  RUN_JOB_CONFLICT: 409,
  LIMIT_EXCEEDED: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // The server's side: retry later, or look at the ledger.
  INTERNAL: 500,
  LEDGER_CORRUPT: 500,
  LEDGER_FORMAT: 500,
  INTEGRITY_MISMATCH: 500,
  FORWARD_FAILED: 502,
  LEDGER_CLOSED: 503,
  LEDGER_LOCKED: 503,
  WRITE_FAILED: 503,
  BUSY: 503,
  TIMEOUT: 408,
  // Trash, erase, versions and keys (lib/events/lifecycle.ts).
  CONTENT_ERASED: 410,
  NOT_IN_TRASH: 409,
  KEY_CONFLICT: 409,
  NOT_LATEST_VERSION: 409,
};

/** The server's own error codes (beside the ledger's), with what they mean. */
export const HTTP_ERROR_CODES = {
  BAD_REQUEST: 'the request is not well-formed (not JSON, a bad query parameter)',
  UNAUTHORIZED: 'the server wants `Authorization: Bearer TOKEN` and the request did not carry the right one',
  READ_ONLY: 'the server was started read-only and takes no writes',
  NOT_FOUND: 'no such endpoint',
  METHOD_NOT_ALLOWED: 'the endpoint does not take that method',
  BODY_TOO_LARGE: 'the body (after decompression) exceeds the server\'s limit',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json, or its Content-Encoding is not gzip or identity',
  BUSY: 'the server is at its limit of concurrent requests; retry after a moment',
  TIMEOUT: 'the request took longer than the server waits for a body',
  INTERNAL: 'an unexpected server error (the message says what; report it)',
} as const;

/** An error the server answers with: a code from HTTP_STATUS and a message. */
export class HttpError extends Error {
  constructor(
    readonly code: keyof typeof HTTP_ERROR_CODES,
    message: string,
  ) {
    super(message);
  }
}

/** `{ code, message }` and a status for any error a route or hook threw. */
export function toHttp(err: unknown): { status: number; body: { code: string; message: string } } {
  if (err instanceof HttpError || isLineageError(err)) {
    return { status: HTTP_STATUS[err.code] ?? 500, body: { code: err.code, message: err.message } };
  }
  const e = err as Partial<FastifyError> & { status?: number };
  const status = e.statusCode ?? e.status;
  // fastify's own errors: body limits, content types, malformed JSON.
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply(413, 'BODY_TOO_LARGE', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return reply(415, 'UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_VALIDATION':
      return reply(400, 'BAD_REQUEST', e.message);
  }
  if (e.validation) return reply(400, 'BAD_REQUEST', e.message ?? 'invalid request');
  if (err instanceof SyntaxError) return reply(400, 'BAD_REQUEST', `the body is not JSON: ${err.message}`);
  if (typeof status === 'number' && status >= 400 && status < 500) return reply(status, status === 413 ? 'BODY_TOO_LARGE' : status === 408 ? 'TIMEOUT' : 'BAD_REQUEST', e.message ?? 'bad request');
  return reply(500, 'INTERNAL', (err as Error)?.message ?? String(err));
}

function reply(status: number, code: string, message: string | undefined) {
  return { status, body: { code, message: message ?? code } };
}

/** Answers every error and every unknown route of `app` (and of plugins registered in it) as JSON `{ code, message }`. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, res) => {
    const { status, body } = toHttp(err);
    if (status >= 500) request.log.error({ err }, body.message);
    res.status(status).send(body);
  });
  app.setNotFoundHandler((request, res) => {
    res.status(404).send({ code: 'NOT_FOUND', message: `no endpoint ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}` });
  });
}
