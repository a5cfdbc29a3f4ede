import type { FastifyPluginAsync } from 'fastify';
import { LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { checkOpenLineage } from '../interop/openlineage-validate.js';
import { parseEventText } from '../interop/raw-facets.js';
import { HttpError } from './http-errors.js';
import { ImportQueue } from './import-queue.js';
import { type BodyLimits, installJsonBody } from './json-body.js';

/** Options of the OpenLineage receiver. */
export interface ReceiverOptions {
  ledger: Ledger;
  readOnly?: boolean;
  /** The server's body limits, as sent and once decompressed. */
  limits: BodyLimits;
}

/**
 * `POST /api/v1/lineage`: one OpenLineage event, as Marquez takes it. A RunEvent is validated
 * against OpenLineage 2-0-2 and merged exactly as `lineage import` merges (idempotent per runId,
 * any order; concurrent events go in together, as one import); 201 comes only once its events are in the log. A valid DatasetEvent or JobEvent
 * (static lineage) is recorded the same way, as `lineage import` records it: a dataset's facets, a job's declared inputs and outputs.
 * An invalid event is 400 with the validation message, and nothing is written.
 */
export const openLineageReceiver: FastifyPluginAsync<ReceiverOptions> = async (app, { ledger, readOnly, limits }) => {
  const queue = new ImportQueue(ledger);
  // This plugin's own body parser: a large facet whose bytes are what JSON.stringify writes is kept
  // as those bytes (its blob), never parsed and written again.
  installJsonBody(app, limits, parseEventText);
  app.post('/api/v1/lineage', async (request, reply) => {
    if (readOnly) throw new HttpError('READ_ONLY', 'this server is read-only (started with readOnly); it records no lineage');
    const event = request.body;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new LineageError('INVALID_EVENT', 'the body is one OpenLineage event (a JSON object)');
    }
    // A RunEvent (one with `run`) is validated once, by the import, against the same RunEvent schema
    // checkOpenLineage() would use here; an invalid one is refused alone with its message.
    if (!('run' in event)) {
      const checked = checkOpenLineage(event);
      if (checked.kind === 'invalid') throw new LineageError('INVALID_EVENT', checked.message);
    }
    const { report, batch, seq } = await queue.submit(event);
    // The figures are those of the import that took this event, with `batch` events in all.
    return reply.status(201).send({ recorded: true, batch, runs: report.runs, appended: report.appended, created: report.created, seq });
  });
};
