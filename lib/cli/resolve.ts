import { LineageError } from '../errors.js';
import { File, type LineageRecord, Run, Transform } from '../model/records.js';
import type { Reader } from '../reader.js';
import { importedRunId, UUID_PATTERN } from '../interop/uuid.js';

/**
 * Finds the one record a CLI argument names: an id of a file, run or transform (or an imported run's
 * OpenLineage runId), else a file name,
 * else a transform name. Several matches list their ids and ask for one (QUERY_NOT_ONE); none is
 * FILE_NOT_FOUND.
 */
export function resolveRecord(reader: Pick<Reader, 'select'>, nameOrId: string, trash: 'hide' | 'with' | 'only' = 'hide'): LineageRecord {
  for (const model of [File, Run, Transform] as const) {
    const byId = reader.select(model, { id: nameOrId }).first();
    if (byId) return byId;
  }
  // An OpenLineage runId (a UUID) names the run an import made of it.
  if (UUID_PATTERN.test(nameOrId)) {
    const imported = reader.select(Run, { id: importedRunId(nameOrId) }).first();
    if (imported) return imported;
  }
  // Names are looked up among the records the trash mode shows (ids find any record).
  const scope = <Q extends { withTrashed(): Q; onlyTrashed(): Q }>(q: Q): Q => (trash === 'with' ? q.withTrashed() : trash === 'only' ? q.onlyTrashed() : q);
  const files = scope(reader.select(File, { name: nameOrId })).all();
  const matches: LineageRecord[] = files.length > 0 ? files : scope(reader.select(Transform, { name: nameOrId })).all();
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const list = matches.map((r) => `  ${r.id}  ${describe(r)}`).join('\n');
    throw new LineageError('QUERY_NOT_ONE', `"${nameOrId}" names ${matches.length} records; pass one of these ids:\n${list}`);
  }
  const where = trash === 'only' ? ' in the trash' : '';
  throw new LineageError('FILE_NOT_FOUND', `nothing${where} in the ledger is named "${nameOrId}" or has that id; \`lineage log\` lists what is there`);
}

function describe(r: LineageRecord): string {
  if (r instanceof File) return `file ${r.name}, ${r.size ?? '?'} bytes, created ${r.createdAt?.toISOString() ?? '?'}${r.run ? ` by run ${r.run.id}` : ''}`;
  if (r instanceof Transform) return `transform ${r.name} v${r.version} (${r.type})`;
  return `run of ${r.transform.name}`;
}
