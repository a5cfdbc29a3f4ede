import type { PoolClient } from 'pg';

/**
 * The ledger's tables, as numbered migrations: each runs once per database, in order, in one
 * transaction under an advisory lock, so two processes opening a new database at once do not race.
 * Several ledgers share the tables (the `ledger` column); contents are shared by hash.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the log, its batches (idempotent appends), contents, meta and checkpoints; the log refuses changes.
  `CREATE TABLE lineage_ledgers (
     name text PRIMARY KEY,
     ledger_id text NOT NULL,
     format integer NOT NULL,
     created_at text NOT NULL);
   CREATE TABLE lineage_events (
     ledger text NOT NULL,
     seq bigint NOT NULL CHECK (seq > 0),
     bytes bytea NOT NULL,
     PRIMARY KEY (ledger, seq));
   CREATE TABLE lineage_batches (
     ledger text NOT NULL,
     batch text NOT NULL,
     first_seq bigint NOT NULL,
     last_seq bigint NOT NULL,
     PRIMARY KEY (ledger, batch));
   CREATE TABLE lineage_blobs (
     hash text NOT NULL,
     chunk integer NOT NULL,
     bytes bytea NOT NULL,
     PRIMARY KEY (hash, chunk));
   CREATE TABLE lineage_meta (
     ledger text NOT NULL,
     key text NOT NULL,
     value jsonb NOT NULL,
     PRIMARY KEY (ledger, key));
   CREATE TABLE lineage_checkpoints (
     ledger text NOT NULL,
     seq bigint NOT NULL,
     header text NOT NULL,
     PRIMARY KEY (ledger, seq));
   CREATE TABLE lineage_checkpoint_pieces (
     ledger text NOT NULL,
     seq bigint NOT NULL,
     piece integer NOT NULL,
     bytes bytea NOT NULL,
     PRIMARY KEY (ledger, seq, piece));
   CREATE FUNCTION lineage_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'lineage-ledger: % is append-only; % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$;
   CREATE TRIGGER lineage_events_append_only BEFORE UPDATE OR DELETE ON lineage_events FOR EACH ROW EXECUTE FUNCTION lineage_refuse_change();
   CREATE TRIGGER lineage_events_no_truncate BEFORE TRUNCATE ON lineage_events FOR EACH STATEMENT EXECUTE FUNCTION lineage_refuse_change();
   CREATE TRIGGER lineage_batches_append_only BEFORE UPDATE OR DELETE ON lineage_batches FOR EACH ROW EXECUTE FUNCTION lineage_refuse_change();
   CREATE TRIGGER lineage_blobs_append_only BEFORE UPDATE OR DELETE ON lineage_blobs FOR EACH ROW EXECUTE FUNCTION lineage_refuse_change();`,
  // 2: an erase (`file.erased`, then the bytes) may delete contents; changing them is still refused.
  // The events keep the erased content's hash, so the chain and its lineage stay whole.
  `DROP TRIGGER lineage_blobs_append_only ON lineage_blobs;
   CREATE TRIGGER lineage_blobs_no_update BEFORE UPDATE ON lineage_blobs FOR EACH ROW EXECUTE FUNCTION lineage_refuse_change();`,
  // 3: appends waiting for the ledger's sequencer (see pg-sequencer.ts): each writer commits its
  // batches here in its own short transaction; the sequencer moves them into lineage_events in order
  // of arrival (id), and a batch refused there is recorded in lineage_batches with seqs 0 to 0.
  `CREATE TABLE lineage_pending (
     ledger text NOT NULL,
     batch text NOT NULL,
     id bigint GENERATED ALWAYS AS IDENTITY,
     events text NOT NULL,
     PRIMARY KEY (ledger, batch));
   CREATE INDEX lineage_pending_arrival ON lineage_pending (ledger, id);`,
];

// One advisory lock key for all migrations of a database (an arbitrary constant: 'lineage' in ASCII).
const MIGRATION_LOCK = '0x6c696e65616765';

/** Brings the database's schema up to date; safe to run from several processes at once. Returns the version. */
export async function migrate(client: PoolClient): Promise<number> {
  // Fast path: nothing to do, no lock taken.
  const current = await version(client);
  if (current >= MIGRATIONS.length) return current;
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${BigInt(MIGRATION_LOCK)})`);
    await client.query('CREATE TABLE IF NOT EXISTS lineage_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    // Under the lock: another process may have migrated while this one waited.
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM lineage_schema');
    let at = rows[0]?.v ?? 0;
    while (at < MIGRATIONS.length) {
      await client.query(MIGRATIONS[at]!);
      at++;
      await client.query('INSERT INTO lineage_schema (version) VALUES ($1)', [at]);
    }
    await client.query('COMMIT');
    return at;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function version(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('lineage_schema')::text AS t");
  if (!rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM lineage_schema');
  return r.rows[0]?.v ?? 0;
}
