import type { FastifyInstance } from 'fastify';
import type { RecordKindName } from '../events/lifecycle.js';
import type { Ledger } from '../ledger.js';

const ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
const KIND = { type: 'string', enum: ['transform', 'run', 'file'] } as const;
const PARAMS = { type: 'object', required: ['kind', 'id'], properties: { kind: KIND, id: ID } } as const;

/**
 * The native API's trash, restore, erase and description commands (part of `nativeRoutes`): each
 * runs on the server's ledger, which decides (NOT_IN_TRASH, KEY_CONFLICT, CONTENT_ERASED) and
 * acknowledges with its head, so that the client's follower applies the event before it resolves.
 */
export function lifecycleRoutes(app: FastifyInstance, ledger: Ledger, acked: (id?: string) => { id?: string; seq: number }): void {
  app.post<{ Params: { kind: RecordKindName; id: string } }>('/records/:kind/:id/trash', { schema: { params: PARAMS } }, async (req) => {
    await ledger.trashFor(req.params.kind, req.params.id);
    return acked(req.params.id);
  });
  app.post<{ Params: { kind: RecordKindName; id: string } }>('/records/:kind/:id/restore', { schema: { params: PARAMS } }, async (req) => {
    await ledger.restoreFor(req.params.kind, req.params.id);
    return acked(req.params.id);
  });
  app.post<{ Params: { id: string } }>('/files/:id/erase', { schema: { params: { type: 'object', required: ['id'], properties: { id: ID } } } }, async (req) => {
    await ledger.eraseFor(req.params.id);
    return acked(req.params.id);
  });
  app.post<{ Params: { kind: RecordKindName; id: string }; Body: { description: string | null } }>(
    '/records/:kind/:id/description',
    {
      schema: {
        params: PARAMS,
        // The ledger checks the length (LIMIT_EXCEEDED) and the text; this only bounds the body's shape.
        body: { type: 'object', required: ['description'], properties: { description: { type: ['string', 'null'] } }, additionalProperties: false },
      },
    },
    async (req) => {
      await ledger.describeFor(req.params.kind, req.params.id, req.body.description);
      return acked(req.params.id);
    },
  );
}
