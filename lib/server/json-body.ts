import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** Limits on a JSON body: as sent, and once decompressed. */
export interface BodyLimits {
  bodyLimit: number;
  inflatedLimit: number;
}

/** Reads a body's JSON text (decoded from `bytes`) with `parse` (fastify's own parser), or in a way of its own that uses it. */
export type BodyReader = (text: string, parse: (text: string) => unknown, bytes: Buffer) => unknown;

/**
 * Parses JSON bodies, plain or with `Content-Encoding: gzip` (the OpenLineage Python client's HTTP
 * transport compresses). The bytes on the wire are capped by fastify's bodyLimit; decompression is
 * capped by zlib's maxOutputLength, so a gzip bomb stops at the limit with 413 and never fills memory.
 * JSON is read by fastify's own parser (which rejects `__proto__` and `constructor.prototype` keys),
 * through `read` when given (installed in a plugin, it applies to that plugin's routes only).
 */
export function installJsonBody(app: FastifyInstance, limits: BodyLimits, read: BodyReader = (text, parse) => parse(text)): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.bodyLimit }, async (request: FastifyRequest, raw: string | Buffer) => {
    const bytes = await decode(request, raw as Buffer, limits.inflatedLimit);
    if (bytes.length === 0) throw new HttpError('BAD_REQUEST', 'the body is empty; send one JSON value');
    // fastify's JSON parser answers through its callback before it returns.
    const parse = (text: string): unknown => {
      let result: { err: Error | null; value?: unknown } | undefined;
      parseJson(request, text, (err: Error | null, value?: unknown) => (result = { err, value }));
      if (!result) throw new HttpError('INTERNAL', 'the JSON parser did not answer at once');
      if (result.err) throw new HttpError('BAD_REQUEST', `the body is not JSON: ${result.err.message}`);
      return result.value;
    };
    return read(bytes.toString('utf8'), parse, bytes);
  });
}

async function decode(request: FastifyRequest, raw: Buffer, limit: number): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') {
    if (raw.length > limit) throw new HttpError('BODY_TOO_LARGE', `the body exceeds ${limit} bytes`);
    return raw;
  }
  const inflater = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : undefined;
  if (!inflater) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send gzip or none`);
  try {
    return await inflater(raw, { maxOutputLength: limit });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw new HttpError('BODY_TOO_LARGE', `the body exceeds ${limit} bytes once decompressed`);
    throw new HttpError('BAD_REQUEST', `the body is not valid ${encoding}: ${e.message}`);
  }
}
