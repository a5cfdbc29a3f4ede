import type { AuditEvent } from '../audit/events.js';
import type { Reader } from '../reader.js';
import { File, Run, Transform } from '../model/records.js';
import type { Style } from './render-text.js';

/** Renders events as a readable table, one line each: seq, time, type, and what happened, with names. */
export class EventTable {
  readonly #reader: Reader;
  readonly #style: Style;
  readonly #names = new Map<string, string>();

  constructor(reader: Reader, style: Style) {
    this.#reader = reader;
    this.#style = style;
  }

  /** The header line. */
  header(): string {
    return this.#style.dim(`${'seq'.padStart(7)}  ${'at'.padEnd(24)}  ${'type'.padEnd(20)}  what`);
  }

  /** One event as a line. */
  line(e: AuditEvent): string {
    const s = this.#style;
    return `${String(e.seq).padStart(7)}  ${s.dim(e.at.padEnd(24))}  ${e.type.padEnd(20)}  ${this.#what(e)}`;
  }

  #what(e: AuditEvent): string {
    const s = this.#style;
    switch (e.type) {
      case 'transform.registered':
        return `${s.transform(`${e.data.name} v${e.data.version}`)} (${e.data.type}) ${s.dim(e.data.id)}`;
      case 'run.started': {
        const where = e.data.environment ? ` on ${e.data.environment.hostname} pid ${e.data.environment.pid}` : '';
        return `${s.run(`run ${e.data.id}`)}${e.data.name ? ` "${e.data.name}"` : ''} of ${this.#transform(e.data.transformId)}${e.data.parentRunId ? ` (child of run ${e.data.parentRunId})` : ''}${s.dim(where)}`;
      }
      case 'file.created':
        return `${s.file(e.data.name)}${e.data.size === undefined ? '' : ` ${e.data.size} B`} ${s.dim(e.data.id)}${e.data.runId ? ` by ${s.run(`run ${e.data.runId}`)}` : ''}`;
      case 'file.recreated':
        return `${this.#file(e.data.fileId)} again by ${s.run(`run ${e.data.runId}`)}`;
      case 'file.loaded_as_input':
        return `${this.#file(e.data.fileId)} read by ${s.run(`run ${e.data.runId}`)}`;
      case 'run.finished':
        return `${s.run(`run ${e.data.runId}`)} ${e.data.status}${e.data.error ? `: ${e.data.error.split('\n')[0]}` : ''}`;
      case 'run.amended':
        return `${s.run(`run ${e.data.runId}`)} really started at ${e.data.startedAt}${e.data.transformId ? `, a run of transform ${e.data.transformId}` : ''}`;
      case 'openlineage.linked':
        return `${e.data.kind} ${s.dim(e.data.id)} is OpenLineage ${e.data.namespace}/${e.data.name}${e.data.runUuid ? ` run ${e.data.runUuid}` : ''}`;
      case 'openlineage.imported':
        return `imported ${e.data.events} OpenLineage events${e.data.source ? ` from ${e.data.source}` : ''}: ${e.data.appended} appended, ${e.data.skipped} skipped`;
      case 'file.aliased':
        return `${this.#file(e.data.fileId)} is also ${e.data.namespace}/${e.data.name}`;
      case 'openlineage.event': {
        const ev = e.data.event as { eventType?: string; job?: { name?: string }; dataset?: { name?: string } };
        const what = e.data.kind === 'run' ? `${ev.eventType ?? 'OTHER'} of ${s.run(`run ${e.data.runId}`)}` : e.data.kind === 'job' ? `job ${ev.job?.name ?? ''}` : `dataset ${ev.dataset?.name ?? ''}`;
        return `OpenLineage ${e.data.kind} event: ${what}${e.data.blobs ? s.dim(` (${e.data.blobs.length} large facet(s) in the store)`) : ''}`;
      }
      case 'record.trashed':
        return `${this.#record(e.data.kind, e.data.id)} moved to the trash`;
      case 'record.restored':
        return `${this.#record(e.data.kind, e.data.id)} restored from the trash`;
      case 'file.erased':
        return `${this.#file(e.data.fileId)} content erased by ${e.data.by.user ? `${e.data.by.user}@` : ''}${e.data.by.hostname}`;
      case 'file.versioned':
        return `${this.#file(e.data.fileId)}${e.data.key === undefined ? '' : ` key ${e.data.key}`}${e.data.revises === undefined ? '' : ` revises ${this.#file(e.data.revises)} ${s.dim(e.data.revises)}`}`;
      case 'record.described':
        return `${this.#record(e.data.kind, e.data.id)} ${e.data.description === null ? 'description cleared' : `described: ${e.data.description.split('\n')[0]}`}`;
      case 'label.added':
      case 'label.removed':
        return `${e.data.labels.map((l) => `"${l}"`).join(', ')} ${e.type === 'label.added' ? 'put on' : 'taken off'} ${this.#record(e.data.kind, e.data.id)}`;
      case 'transform.source_stored':
        return `source of ${this.#transform(e.data.transformId)} stored: ${e.data.size} B ${s.dim(`sha256 ${e.data.hash.slice(0, 12)}`)}`;
      case 'run.referenced':
        return `${s.run(`run ${e.data.runId}`)} references ${e.data.referenceType ? `${e.data.referenceType} ` : ''}${e.data.reference}`;
      case 'request.keyed':
        return s.dim(`done for server request ${e.data.request.split('?')[0]} (Idempotency-Key ${e.data.key})`);
    }
  }

  #record(kind: 'transform' | 'run' | 'file', id: string): string {
    if (kind === 'file') return this.#file(id);
    if (kind === 'transform') return this.#transform(id);
    return this.#style.run(`run ${id}`);
  }

  #transform(id: string): string {
    return this.#style.transform(this.#name(id, () => this.#reader.select(Transform, { id }).first()?.name));
  }

  #file(id: string): string {
    return this.#style.file(this.#name(id, () => this.#reader.select(File, { id }).first()?.name));
  }

  #name(id: string, find: () => string | undefined): string {
    let n = this.#names.get(id);
    if (n === undefined) {
      n = find() ?? id;
      // Names repeat across a long log; a bounded cache keeps memory flat.
      if (this.#names.size > 10_000) this.#names.clear();
      this.#names.set(id, n);
    }
    return n;
  }
}

/** The record kind and name, for a title line. */
export function title(record: File | Run | Transform): string {
  if (record instanceof File) return `file ${record.name} (${record.id})`;
  if (record instanceof Run) return `run ${record.id} of ${record.transform.name}`;
  return `transform ${record.name} v${record.version} (${record.id})`;
}
