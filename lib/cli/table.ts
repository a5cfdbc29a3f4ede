import { printable } from '../render/format.js';

/** How a table is drawn: an indent, and styles applied after padding (so colour never breaks alignment). */
export interface TableStyle {
  indent?: string;
  key?: (s: string) => string;
  header?: (s: string) => string;
}

/**
 * Aligned `label  value` lines, for one record or a summary (`lineage show`, `lineage stats`).
 * Values are made printable: a name's newline or escape sequence is shown, not obeyed.
 */
export function keyValues(rows: readonly (readonly [string, string])[], style: TableStyle = {}): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  const key = style.key ?? ((s: string) => s);
  return rows.map(([k, v]) => `${style.indent ?? ''}${key(k.padEnd(width))}  ${printable(v)}`).join('\n');
}

/** A table with a header row and left-aligned columns, for lists of records (`lineage log`, `lineage history`). */
export function columns(header: readonly string[], rows: readonly (readonly string[])[], style: TableStyle = {}): string {
  const cells = rows.map((r) => r.map((c) => printable(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const head = (style.header ?? ((s: string) => s))(line(header));
  return [head, ...cells.map(line)].map((l) => `${style.indent ?? ''}${l}`).join('\n');
}
