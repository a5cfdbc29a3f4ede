import type { JsonValue } from '../events/types.js';

type Facets = { readonly [name: string]: JsonValue };
type Obj = { readonly [key: string]: JsonValue };

const SHOWN = new Set(['schema', 'sql', 'documentation', 'ownership', 'tags', 'parent', 'errorMessage', 'columnLineage', 'symlinks']);
const SQL_LINES = 6;

/**
 * The facets a reader looks for first, as label and value rows: schema fields and types, SQL,
 * documentation, owners, tags, parent run, error message, column lineage and symlinks; the other
 * facets by name (`--json` prints them all).
 */
export function facetRows(facets: Facets): [string, string][] {
  const rows: [string, string][] = [];
  const f = (name: string): Obj | undefined => {
    const v = facets[name];
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
  };
  const schema = f('schema');
  if (Array.isArray(schema?.fields)) {
    schema.fields.forEach((field, i) => {
      const x = (field ?? {}) as Obj;
      rows.push([i === 0 ? 'schema' : '', `${text(x.name)}${x.type === undefined ? '' : `: ${text(x.type)}`}${x.description ? `  (${text(x.description)})` : ''}`]);
    });
  }
  const sql = f('sql');
  if (sql?.query !== undefined) {
    const lines = text(sql.query).trim().split('\n');
    lines.slice(0, SQL_LINES).forEach((line, i) => rows.push([i === 0 ? `sql${sql.dialect ? ` (${text(sql.dialect)})` : ''}` : '', line]));
    if (lines.length > SQL_LINES) rows.push(['', `… ${lines.length - SQL_LINES} more lines (--json)`]);
  }
  const doc = f('documentation');
  if (doc?.description !== undefined) rows.push(['documentation', text(doc.description)]);
  const owners = f('ownership')?.owners;
  if (Array.isArray(owners)) rows.push(['owners', owners.map((o) => `${text((o as Obj)?.name)}${(o as Obj)?.type ? ` (${text((o as Obj).type)})` : ''}`).join(', ')]);
  const tags = f('tags')?.tags;
  if (Array.isArray(tags)) rows.push(['tags', tags.map((t) => `${text((t as Obj)?.key)}=${text((t as Obj)?.value)}`).join(', ')]);
  const parent = f('parent');
  if (parent) {
    const run = (parent.run ?? {}) as Obj;
    const job = (parent.job ?? {}) as Obj;
    rows.push(['parent run', `${text(run.runId)} of ${text(job.namespace)}/${text(job.name)}`]);
  }
  const error = f('errorMessage');
  if (error?.message !== undefined) rows.push(['error message', `${text(error.message)}${error.programmingLanguage ? ` (${text(error.programmingLanguage)})` : ''}`]);
  const columns = f('columnLineage')?.fields;
  if (columns !== null && typeof columns === 'object' && !Array.isArray(columns)) {
    Object.entries(columns as Obj).forEach(([column, v], i) => {
      const inputs = ((v as Obj)?.inputFields ?? []) as Obj[];
      rows.push([i === 0 ? 'column lineage' : '', `${column} ← ${inputs.map((x) => `${text(x.name)}.${text(x.field)}`).join(', ') || '-'}`]);
    });
  }
  const symlinks = f('symlinks')?.identifiers;
  if (Array.isArray(symlinks)) rows.push(['also known as', symlinks.map((s) => `${text((s as Obj)?.namespace)}/${text((s as Obj)?.name)}`).join(', ')]);
  const others = Object.keys(facets).filter((k) => !SHOWN.has(k)).sort();
  if (others.length > 0) rows.push(['other facets', `${others.join(', ')} (--json)`]);
  return rows;
}

function text(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}
