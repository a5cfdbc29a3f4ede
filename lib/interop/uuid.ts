import { createHash } from 'node:crypto';

/** The UUID pattern OpenLineage's `format: uuid` accepts (RFC 4122 text form, any version). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The OpenLineage runId of one of our runs: a UUIDv7 whose 48-bit timestamp is the run's start
 * (so backends sort runs by time, as the spec recommends) and whose 74 "random" bits are the
 * first bits of SHA-256 of the run id, so the same run always gets the same UUID, on any machine.
 */
export function runUuid(runId: string, startedAt: string): string {
  const ms = Math.max(0, Math.min(Date.parse(startedAt) || 0, 2 ** 48 - 1));
  const b = createHash('sha256').update(`lineage-ledger run ${runId}`).digest().subarray(0, 16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  return format(b);
}

/** A UUID's 32 hex digits in its canonical 8-4-4-4-12 text form, lower case. */
export function format(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A short deterministic id (fits `^[0-9A-Za-z_-]{1,64}$`) for an entity named by `parts`. */
export function derivedId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:${p}\u0000`);
  return `${prefix}${h.digest('hex').slice(0, 32)}`;
}

/** The ledger id of the run an import made of OpenLineage runId `uuid` (any case). */
export function importedRunId(uuid: string): string {
  return `olr_${uuid.toLowerCase().replace(/-/g, '')}`;
}
