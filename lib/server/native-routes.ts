import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform as Through } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { checkHead } from '../audit/verify.js';
import { LineageError } from '../errors.js';
import type { RunEnvironment } from '../events/types.js';
import type { Ledger } from '../ledger.js';
import { LIMITS } from '../limits.js';
import { File, Transform } from '../model/records.js';
import { View } from '../state/view.js';
import { idempotentWrites } from './idempotency.js';
import { recoveredAnswer } from './recovered-answer.js';
import { frame } from '../state/checkpoint-frames.js';
import { decodeHeader } from '../state/checkpoint.js';
import { lifecycleRoutes } from './lifecycle-routes.js';
import { cleanLabels, cleanReference } from '../model/meta.js';
import type { LabeledKind } from '../events/types.js';

/** Options of the `nativeRoutes` plugin. */
export interface NativeRoutesOptions {
  /** The ledger the routes read and write; the server owns it (one writer queue for every client). */
  ledger: Ledger;
  /** The largest content an upload may carry (default 64 GiB); larger is LIMIT_EXCEEDED, nothing written. */
  maxContentBytes?: number;
  /** Where uploads larger than the inline limit are spooled while they are hashed (default: the OS temp folder). */
  tmpDir?: string;
  /** How long a following stream stays silent before it sends an empty keep-alive line (default 15 s). */
  heartbeatMs?: number;
  /** How many writes' answers are remembered by Idempotency-Key, so that a retry is answered, not written twice (default 10,000). */
  idempotencyKeys?: number;
}

/** Media type of the event streams: one stored event's exact bytes a line. */
export const NDJSON = 'application/x-ndjson';
const NL = Buffer.from('\n');
const SEQ = { type: 'integer', minimum: 0, maximum: LIMITS.events } as const;
const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const NAME = { type: 'string', minLength: 1, maxLength: LIMITS.nameLength * 4 } as const;

/**
 * The native API over HTTP, which `connect()` speaks: commands run here on the server's ledger (its
 * single writer queue takes every decision: reuse a transform, same content → the existing file, a
 * run's own output is not its input), each with its run named explicitly (never this process's
 * context); the log is streamed to followers as stored bytes. Mount it under `/api/ledger/v1`.
 */
export const nativeRoutes: FastifyPluginAsync<NativeRoutesOptions> = async (app, options) => {
  const { ledger } = options;
  const maxContent = options.maxContentBytes ?? 64 * 2 ** 30;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  // Before any route: a retried write (same key) gets its first answer, and the ledger is written once.
  idempotentWrites(app, { capacity: options.idempotencyKeys ?? 10_000, ledger, answerOf: recoveredAnswer });
  const spool = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'lineage-upload-'));
  // Wakes every following stream: on shutdown they end, so that closing the server never waits on them.
  const waiting = new Set<() => void>();
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    for (const wake of waiting) wake();
  });
  app.addHook('onClose', async () => {
    await rm(spool, { recursive: true, force: true });
  });
  // Uploads arrive as a stream; this parser lives in this plugin's scope only.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const acked = (id?: string) => ({ ...(id === undefined ? {} : { id }), seq: ledger.head.seq });
  // Trash, restore, erase and descriptions: routes of their own file.
  lifecycleRoutes(app, ledger, acked);

  app.get('/head', async () => ({ ...ledger.head, ledgerId: ledger.info.ledgerId }));

  app.get<{ Querystring: { after?: number; to?: number; follow?: boolean } }>(
    '/events',
    { schema: { querystring: { type: 'object', properties: { after: SEQ, to: SEQ, follow: { type: 'boolean' } }, additionalProperties: false } } },
    async (req, reply) => {
      const { after = 0, to, follow = false } = req.query;
      // Events go out as they commit, a few bytes at a time: Nagle's algorithm would hold each one back for the client's delayed ACK.
      req.raw.socket?.setNoDelay(true);
      // A follower past the head holds another ledger's events (or a log that lost its tail): tell it.
      if (after > ledger.head.seq) throw new LineageError('OUT_OF_RANGE', `after=${after} is past the head (${ledger.head.seq})`);
      return ndjson(reply, streamLog(after, follow ? Number.MAX_SAFE_INTEGER : (to ?? ledger.head.seq), follow));
    },
  );

  async function* streamLog(after: number, to: number, follow: boolean): AsyncGenerator<Buffer> {
    let sent = after;
    // A follower already at the head gets its answer's headers now, not with the next append: until
    // then it could not even stop following (close() would wait for the heartbeat).
    if (follow && after >= ledger.head.seq) yield NL;
    while (!closing) {
      const until = Math.min(to, ledger.head.seq);
      if (sent < until) {
        for await (const batch of ledger.log.read(sent + 1, until)) {
          const parts: Uint8Array[] = [];
          for (const stored of batch) parts.push(stored.bytes, NL);
          sent = batch[batch.length - 1]!.event.seq;
          yield Buffer.concat(parts);
        }
        continue;
      }
      if (!follow || sent >= to) return;
      // Checked and subscribed in one tick: no append can fall between the two.
      if (!(await appendOrTimeout())) yield NL;
    }
  }

  function appendOrTimeout(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (appended: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        waiting.delete(wake);
        resolve(appended);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), heartbeatMs);
      const unsubscribe = ledger.onAppended(wake);
      waiting.add(wake);
    });
  }

  app.post<{ Body: { seqs: number[] } }>(
    '/events/batch',
    { schema: { body: { type: 'object', required: ['seqs'], properties: { seqs: { type: 'array', items: { ...SEQ, minimum: 1 }, maxItems: 1000 } }, additionalProperties: false } } },
    async (req, reply) => {
      const head = ledger.head.seq;
      const beyond = req.body.seqs.find((s) => s > head);
      if (beyond !== undefined) throw new LineageError('OUT_OF_RANGE', `event ${beyond} is past the head (${head})`);
      const stored = await ledger.log.getEvents(req.body.seqs);
      return ndjson(reply, Readable.from([Buffer.concat(stored.flatMap((s) => [s.bytes, NL]))]));
    },
  );

  // The stored checkpoint (a projection at its seq), framed: a client far behind starts from it instead of from every event.
  app.get('/checkpoint', async (_req, reply) => {
    const text = await ledger.log.checkpointHeader();
    if (text === undefined) return reply.status(404).send({ code: 'NOT_FOUND', message: 'this ledger has no checkpoint yet: follow the log from its start' });
    const { seq, pieces } = decodeHeader(text);
    const log = ledger.log;
    async function* frames(): AsyncGenerator<Buffer> {
      yield Buffer.concat(frame(Buffer.from(text!)));
      for await (const piece of log.checkpointPieces(seq, pieces)) yield Buffer.concat(frame(piece));
    }
    reply.header('content-type', 'application/octet-stream');
    return reply.send(Readable.from(frames()));
  });

  app.get<{ Params: { hash: string } }>('/blobs/:hash', { schema: { params: { type: 'object', properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } } }, async (req, reply) => {
    const bytes = await ledger.log.getBlob(req.params.hash);
    if (!bytes) throw new LineageError('CONTENT_MISSING', `no blob ${req.params.hash} in this ledger`);
    reply.header('content-type', 'application/octet-stream');
    return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.post<{ Body: { expectHead?: unknown } }>(
    '/verify',
    { schema: { body: { type: 'object', properties: { expectHead: { type: 'object' } }, additionalProperties: false } } },
    async (req) => ledger.verify({ expectHead: checkHead(req.body?.expectHead) }),
  );

  app.post<{ Body: { transform?: { name: string; version?: string; type?: 'pipeline'; reference?: string; description?: string }; name?: string; script?: { name: string; path: string; hash: string } } }>(
    '/transforms',
    {
      schema: {
        body: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          properties: {
            transform: { type: 'object', required: ['name'], properties: { name: NAME, version: NAME, type: { type: 'string' }, reference: NAME, description: { type: 'string' } }, additionalProperties: false },
            name: NAME,
            script: { type: 'object', required: ['name', 'path', 'hash'], properties: { name: NAME, path: NAME, hash: HEX64 }, additionalProperties: false },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { transform, name, script } = req.body;
      const t = await ledger.transformFor(transform ? new Transform(transform) : (name ?? script!));
      return acked(t.id);
    },
  );

  app.post<{ Body: { transformId: string; name?: string; params?: Record<string, unknown>; parentRunId?: string; environment?: RunEnvironment; description?: string; reference?: string; referenceType?: string; inputs?: string[] } }>(
    '/runs',
    {
      schema: {
        body: {
          type: 'object',
          required: ['transformId'],
          properties: { transformId: ID, name: NAME, params: { type: 'object' }, parentRunId: ID, environment: { type: 'object' }, description: { type: 'string' }, reference: NAME, referenceType: NAME, inputs: { type: 'array', items: ID, maxItems: 100_000 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { transformId, ...rest } = req.body;
      return acked((await ledger.startRunFor(transformId, rest)).id);
    },
  );

  app.post<{ Params: { id: string }; Body: { status?: 'completed' | 'failed'; error?: string } }>(
    '/runs/:id/finish',
    { schema: { params: { type: 'object', properties: { id: ID } }, body: { type: 'object', properties: { status: { type: 'string' }, error: { type: 'string' } }, additionalProperties: false } } },
    async (req) => acked((await ledger.finishRunFor(req.params.id, req.body ?? {})).id),
  );

  app.post<{ Querystring: { name: string; runId?: string; sha256: string; key?: string; description?: string; revises?: string }; Body: Readable | undefined }>(
    '/files',
    { schema: { querystring: { type: 'object', required: ['name', 'sha256'], properties: { name: NAME, runId: ID, sha256: HEX64, key: NAME, description: { type: 'string' }, revises: ID }, additionalProperties: false } } },
    async (req, reply) => {
      const { name, runId, sha256, key, description, revises } = req.query;
      const body = req.body;
      if (body !== undefined && !(body instanceof Readable)) throw new LineageError('INVALID_ARGUMENT', 'upload the content as application/octet-stream');
      const declared = Number(req.headers['content-length']);
      if (declared > maxContent) throw new LineageError('LIMIT_EXCEEDED', `the content has ${declared} bytes; this server takes at most ${maxContent}`);
      const content = await receive(body, declared);
      try {
        if (content.hash !== sha256) {
          // The upload's fault, not the server's (INTEGRITY_MISMATCH is otherwise 500, stored content gone bad): 400.
          const message = `the uploaded content of ${name} hashes to ${content.hash}, not the declared ${sha256}: it changed on the way; nothing was recorded`;
          return reply.status(400).send({ code: 'INTEGRITY_MISMATCH', message });
        }
        return acked((await ledger.addFileFor(content.source, name, runId, { key, description, revises })).id);
      } finally {
        if (typeof content.source === 'string') await rm(content.source, { force: true });
      }
    },
  );

  // Labels, run references and stored sources (lib/model/meta.ts): each checked and decided by the ledger.
  app.post<{ Body: { kind: LabeledKind; id: string; labels: string[]; add: boolean } }>(
    '/labels',
    {
      schema: {
        body: {
          type: 'object',
          required: ['kind', 'id', 'labels', 'add'],
          properties: { kind: { enum: ['transform', 'run', 'file'] }, id: ID, labels: { type: 'array', minItems: 1, maxItems: LIMITS.labelsPerCall, items: { type: 'string', maxLength: LIMITS.labelLength * 4 } }, add: { type: 'boolean' } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { kind, id, labels, add } = req.body;
      const changed = await ledger.labelsFor(kind, id, cleanLabels(labels, add ? 'labels.add()' : 'labels.remove()'), add);
      return { ...acked(), labels: changed };
    },
  );

  app.post<{ Params: { id: string }; Body: { reference: string; referenceType?: string } }>(
    '/runs/:id/reference',
    { schema: { params: { type: 'object', properties: { id: ID } }, body: { type: 'object', required: ['reference'], properties: { reference: NAME, referenceType: NAME }, additionalProperties: false } } },
    async (req) => {
      await ledger.referenceFor(req.params.id, cleanReference(req.body.reference, req.body.referenceType));
      return acked(req.params.id);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { sha256: string }; Body: Readable | undefined }>(
    '/transforms/:id/source',
    { schema: { params: { type: 'object', properties: { id: ID } }, querystring: { type: 'object', required: ['sha256'], properties: { sha256: HEX64 }, additionalProperties: false } } },
    async (req) => {
      const body = req.body;
      if (body !== undefined && !(body instanceof Readable)) throw new LineageError('INVALID_ARGUMENT', 'upload the source as application/octet-stream');
      const declared = Number(req.headers['content-length']);
      if (declared > maxContent) throw new LineageError('LIMIT_EXCEEDED', `the source has ${declared} bytes; this server takes at most ${maxContent}`);
      const content = await receive(body, declared);
      try {
        if (content.hash !== req.query.sha256) throw new LineageError('INTEGRITY_MISMATCH', `the uploaded source hashes to ${content.hash}, not the declared ${req.query.sha256}: it changed on the way; nothing was recorded`);
        await ledger.sourceFor(req.params.id, content.source);
        return acked(req.params.id);
      } finally {
        if (typeof content.source === 'string') await rm(content.source, { force: true });
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { sha256: string } }>(
    '/transforms/:id/source',
    { schema: { params: { type: 'object', properties: { id: ID } }, querystring: { type: 'object', required: ['sha256'], properties: { sha256: HEX64 }, additionalProperties: false } } },
    async (req, reply) => {
      const bytes = await ledger.storedSource(req.params.id, req.query.sha256);
      reply.header('content-type', 'application/octet-stream');
      reply.header('x-content-sha256', req.query.sha256);
      return reply.send(bytes);
    },
  );

  /** Reads an upload, hashing it: small ones into memory, others spooled to a file. */
  async function receive(body: Readable | undefined, declared: number): Promise<{ source: string | Buffer; hash: string }> {
    const hasher = createHash('sha256');
    if (body === undefined) return { source: Buffer.alloc(0), hash: hasher.digest('hex') };
    let size = 0;
    const counted = new Through({
      transform(chunk: Buffer, _enc, next) {
        size += chunk.length;
        if (size > maxContent) return next(new LineageError('LIMIT_EXCEEDED', `the content passes ${maxContent} bytes, the most this server takes; nothing was recorded`));
        hasher.update(chunk);
        next(null, chunk);
      },
    });
    if (Number.isSafeInteger(declared) && declared <= LIMITS.inlineContentBytes) {
      const chunks: Buffer[] = [];
      await pipeline(body, counted, async (source: AsyncIterable<Buffer>) => {
        for await (const c of source) chunks.push(c);
      });
      return { source: Buffer.concat(chunks), hash: hasher.digest('hex') };
    }
    const path = join(spool, createHash('sha256').update(`${process.hrtime.bigint()}${Math.random()}`).digest('hex').slice(0, 24));
    try {
      await pipeline(body, counted, createWriteStream(path));
    } catch (err) {
      await rm(path, { force: true });
      throw err instanceof LineageError ? err : new LineageError('INVALID_ARGUMENT', `the upload broke off: ${(err as Error).message}; nothing was recorded`, { cause: err });
    }
    return { source: path, hash: hasher.digest('hex') };
  }

  app.post<{ Params: { id: string }; Body: { runId: string } }>(
    '/files/:id/inputs',
    { schema: { params: { type: 'object', properties: { id: ID } }, body: { type: 'object', required: ['runId'], properties: { runId: ID }, additionalProperties: false } } },
    async (req) => {
      await ledger.recordInputFor(req.params.id, req.body.runId);
      return acked();
    },
  );

  app.get<{ Params: { id: string } }>('/files/:id/content', { schema: { params: { type: 'object', properties: { id: ID } } } }, async (req, reply) => {
    let id = req.params.id;
    // A content hash stands for the first file with that content.
    if (/^[0-9a-f]{64}$/.test(id)) id = ledger.session().select(File, { hash: id }).first()?.id ?? id;
    return sendContent(reply, id);
  });

  // load({ isRunInput }) in one request: the content, then, once all of it has gone out and checked out
  // against its hash, the input recorded, its seq in the trailer `x-ledger-seq` (no trailer: not recorded).
  app.post<{ Params: { id: string }; Body: { runId: string } }>(
    '/files/:id/load',
    { schema: { params: { type: 'object', properties: { id: ID } }, body: { type: 'object', required: ['runId'], properties: { runId: ID }, additionalProperties: false } } },
    async (req, reply) => {
      const { runId } = req.body;
      if (!new View(ledger.projection).run(runId)) throw new LineageError('RUN_NOT_FOUND', `no run ${runId} in this ledger`);
      reply.trailer('x-ledger-seq', async () => {
        await ledger.recordInputFor(req.params.id, runId);
        return String(ledger.head.seq);
      });
      // Chunked (a trailer needs it): no content-length.
      return sendContent(reply, req.params.id, false);
    },
  );

  /** Streams a file's stored content, checked against its hash on the way out. */
  async function sendContent(reply: FastifyReply, id: string, length = true): Promise<FastifyReply> {
    const content = await ledger.contentOf(id);
    const hasher = createHash('sha256');
    const checked = new Through({
      transform(chunk: Buffer, _enc, next) {
        hasher.update(chunk);
        next(null, chunk);
      },
      flush(next) {
        // Too late for a status: breaking the stream is how the client learns (it checks the hash too).
        const got = hasher.digest('hex');
        next(got === content.hash ? null : new LineageError('INTEGRITY_MISMATCH', `the stored content of ${content.name} hashes to ${got}, not its recorded ${content.hash}`));
      },
    });
    content.stream.on('error', (err) => checked.destroy(err));
    reply.header('content-type', 'application/octet-stream');
    if (length) reply.header('content-length', String(content.size));
    reply.header('x-content-sha256', content.hash);
    return reply.send(content.stream.pipe(checked));
  }
};

function ndjson(reply: FastifyReply, body: Readable | AsyncIterable<Buffer>): FastifyReply {
  reply.header('content-type', NDJSON);
  reply.header('cache-control', 'no-store');
  return reply.send(body instanceof Readable ? body : Readable.from(body));
}
