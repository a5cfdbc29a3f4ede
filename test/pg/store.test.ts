import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { File, type Ledger, LineageError, open, Transform } from 'lineage-ledger';
import { newId } from '../../lib/ids.js';
import type { PgLog } from '../../lib/log/pg-log.js';
import { MIGRATIONS } from '../../lib/log/pg-schema.js';
import { testPostgres } from '../support/postgres.js';

async function rejects(p: Promise<unknown>, code: string): Promise<LineageError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, LineageError);
    assert.equal((err as LineageError).code, code, (err as Error).message);
    return err as LineageError;
  }
  throw new Error(`expected ${code}`);
}

async function withRun(url: string): Promise<Ledger> {
  const ledger = await open(url);
  await ledger.track(new Transform({ name: 'store-test', version: '1' }));
  return ledger;
}

test('the log table refuses UPDATE, DELETE and TRUNCATE, even from the owner', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const ledger = await withRun(pg.url('refuse', db));
  await ledger.close();
  for (const sql of ["UPDATE lineage_events SET bytes = '\\x00' WHERE seq = 1", 'DELETE FROM lineage_events WHERE seq = 1', 'TRUNCATE lineage_events']) {
    try {
      await pg.sql(sql, [], db);
      assert.unreachable(`${sql} was allowed`);
    } catch (err) {
      assert.match((err as Error).message, /append-only/);
    }
  }
});

test('verify() names the first changed seq when someone drops the trigger and rewrites a row', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const url = pg.url('tamper', db);
  const ledger = await withRun(url);
  for (let i = 0; i < 5; i++) await ledger.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
  const head = ledger.head;
  await ledger.close();
  await pg.sql('ALTER TABLE lineage_events DISABLE TRIGGER lineage_events_append_only', [], db);
  await pg.sql("UPDATE lineage_events SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), 'f3.txt', 'g3.txt'), 'UTF8') WHERE ledger = 'tamper' AND convert_from(bytes, 'UTF8') LIKE '%f3.txt%'", [], db);
  const [row] = await pg.sql<{ seq: string }>("SELECT seq FROM lineage_events WHERE ledger = 'tamper' AND convert_from(bytes, 'UTF8') LIKE '%g3.txt%'", [], db);
  assert.ok(row, 'the row was changed');
  // The projection is rebuilt from the log at open: the changed event breaks the chain there.
  await rejects(open(url), 'LEDGER_CORRUPT');
  await pg.sql(`DELETE FROM lineage_checkpoints`, [], db);
  const audit = await open(pg.url('tamper-audit', db));
  await audit.close();
  // Verify through the library's own reader of the raw rows.
  const { PgLog: Log } = await import('../../lib/log/pg-log.js');
  const { parsePgUrl } = await import('../../lib/log/pg-url.js');
  const { verifyChain } = await import('../../lib/audit/verify.js');
  const log = await Log.open(parsePgUrl(url));
  try {
    const v = await verifyChain(log.readRaw(), { expectHead: head });
    assert.equal(v.ok, false);
    assert.equal(v.firstBad?.seq, Number(row!.seq), v.firstBad?.reason);
  } finally {
    await log.close();
  }
});

test('a pending row that is not a valid batch (hand-inserted, or damaged) is refused alone: appends go on, nothing of it reaches the chain', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const url = pg.url('poison', db);
  const ledger = await withRun(url);
  try {
    const head = ledger.head.seq;
    const rows = [
      ['poison-not-json-1', 'file.created\t1\t{not json'],
      ['poison-schema-2', 'file.created\t1\t{"id":"x"}'],
      ['poison-shape-3', 'no tabs at all'],
    ];
    for (const [batch, events] of rows) await pg.sql("INSERT INTO lineage_pending (ledger, batch, events) VALUES ('poison', $1, $2)", [batch, events], db);
    // The sequencer's next pass finds them before this append.
    const file = await ledger.add(new File(Buffer.from('after the poison'), { name: 'after.txt' }));
    assert.equal(ledger.head.seq, head + 1, 'only the good append was written');
    assert.equal(ledger.select(File, { name: 'after.txt' }).one().id, file.id);
    const refused = await pg.sql<{ batch: string; first_seq: string }>("SELECT batch, first_seq FROM lineage_batches WHERE ledger = 'poison' AND batch LIKE 'poison-%' ORDER BY batch", [], db);
    assert.equal(refused.map((r) => [r.batch, Number(r.first_seq)]), rows.map(([b]) => [b, 0]), 'each bad row is recorded as refused');
    assert.equal(await pg.sql("SELECT batch FROM lineage_pending WHERE ledger = 'poison'", [], db), []);
    assert.ok((await ledger.verify()).ok);
  } finally {
    await ledger.close();
  }
});

test('a retried batch (its commit outcome unknown) returns the original seqs and is not written twice', async () => {
  const pg = await testPostgres();
  const ledger = await withRun(pg.url());
  try {
    const log = ledger.log as PgLog;
    // A valid event of the ledger's own shape: the registration of another transform.
    const [registered] = await log.getEvents([1]);
    const data = registered!.event.data as unknown as Record<string, unknown>;
    const event = [{ type: registered!.event.type, data: { ...data, id: newId(String(data.id).length), name: 'idempotent' } }] as never;
    const first = await log.append(event, [registered!.event.v], [], 'batch-retry-0001');
    const again = await log.append(event, [registered!.event.v], [], 'batch-retry-0001');
    assert.equal(again.map((e) => e.seq), first.map((e) => e.seq));
    assert.equal(again[0]!.hash, first[0]!.hash);
    assert.equal(ledger.head.seq, first[0]!.seq, 'nothing was appended the second time');
    const v = await ledger.verify();
    assert.ok(v.ok, JSON.stringify(v.firstBad));
  } finally {
    await ledger.close();
  }
});

test('large contents are stored in the database in chunks, read from another process\'s ledger, and hash-checked', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const url = pg.url('blobs', db);
  const writer = await withRun(url);
  const big = Buffer.alloc(2_500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const file = await writer.add(new File(big, { name: 'big.bin' }));
  const reader = await open(url);
  await reader.sync();
  const seen = reader.select(File, { name: 'big.bin' }).one();
  assert.ok(Buffer.from(await seen.load()).equals(big), 'another ledger on the URL reads the same bytes');
  const [chunks] = await pg.sql<{ n: string }>('SELECT count(*) AS n FROM lineage_blobs', [], db);
  assert.ok(Number(chunks!.n) >= 3, `stored in chunks (${chunks!.n})`);
  await pg.sql('ALTER TABLE lineage_blobs DISABLE TRIGGER lineage_blobs_no_update', [], db);
  await pg.sql("UPDATE lineage_blobs SET bytes = '\\x00' WHERE chunk = 1", [], db);
  const fresh = await open(url);
  await rejects(fresh.select(File, { id: file.id }).one().load(), 'INTEGRITY_MISMATCH');
  await Promise.all([writer.close(), reader.close(), fresh.close()]);
});

test('another process\'s appends reach this ledger\'s queries without a call, and sync() waits for them', async () => {
  const pg = await testPostgres();
  const url = pg.url();
  const a = await withRun(url);
  const b = await open(url);
  const file = await a.add(new File(Buffer.from('from a'), { name: 'shared.txt' }));
  await b.sync();
  assert.equal(b.select(File, { name: 'shared.txt' }).one().id, file.id);
  // Without sync(): the notification wakes b.
  const seen = new Promise<void>((resolve) => {
    const off = b.onAppended(() => {
      if (b.select(File, { name: 'later.txt' }).count() === 1) {
        off();
        resolve();
      }
    });
  });
  await a.add(new File(Buffer.from('later'), { name: 'later.txt' }));
  await seen;
  assert.equal(b.head, a.head);
  await Promise.all([a.close(), b.close()]);
});

test('a checkpoint is read back byte for byte, its binary pieces included, also after the server ended the connections it would use', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const ledger = await withRun(pg.url('pieces', db));
  try {
    for (let i = 0; i < 30; i++) await ledger.add(new File(Buffer.from(`piece ${i}`), { name: `p${i}.txt` }));
    await ledger.checkpoint();
    const log = ledger.log as PgLog;
    const { seq, pieces } = JSON.parse((await log.checkpointHeader())!) as { seq: number; pieces: number };
    const stored = await pg.sql<{ bytes: Buffer }>('SELECT bytes FROM lineage_checkpoint_pieces WHERE seq = $1 ORDER BY piece', [seq], db);
    const read = async () => {
      const out: Buffer[] = [];
      for await (const piece of log.checkpointPieces(seq, pieces)) out.push(Buffer.from(piece));
      return out;
    };
    assert.equal(stored.length, pieces);
    assert.ok(stored.some((r) => !r.bytes.equals(Buffer.from(r.bytes.toString('utf8')))), 'some pieces are not UTF-8 text');
    assert.equal(await read(), stored.map((r) => r.bytes));
    // As a restart would: every connection to this database ends; the read asks again on a new one.
    await pg.sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db]);
    assert.equal(await read(), stored.map((r) => r.bytes));
  } finally {
    await ledger.close();
  }
});

test('two processes opening a new database at once both migrate it safely; ledgers in one database are separate', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  const [x, y] = await Promise.all([withRun(pg.url('x', db)), withRun(pg.url('y', db))]);
  await x.add(new File(Buffer.from('only in x'), { name: 'x.txt' }));
  assert.equal(y.select(File, { name: 'x.txt' }).count(), 0);
  // Every migration applied exactly once, whichever process won the race.
  const applied = await pg.sql<{ version: number }>('SELECT version FROM lineage_schema ORDER BY version', [], db);
  assert.equal(applied.map((r) => r.version), MIGRATIONS.map((_, i) => i + 1));
  await Promise.all([x.close(), y.close()]);
});

test('a writer role with only the README\'s grants (INSERT and SELECT on the log) appends, reads and verifies', async () => {
  const pg = await testPostgres();
  const db = await pg.database();
  // The owner's first open creates the tables.
  const owner = await withRun(pg.url('roles', db));
  await owner.close();
  const role = `w_${newId(8).toLowerCase()}`;
  await pg.sql(`CREATE ROLE ${role} LOGIN PASSWORD 'writer-pw-1'`, [], db);
  await pg.sql(`GRANT SELECT, INSERT ON lineage_events, lineage_batches, lineage_blobs, lineage_ledgers, lineage_schema TO ${role}`, [], db);
  await pg.sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON lineage_meta, lineage_checkpoints, lineage_checkpoint_pieces TO ${role}`, [], db);
  await pg.sql(`GRANT SELECT, INSERT, DELETE ON lineage_pending TO ${role}`, [], db);
  const url = pg.url('roles', db).replace(/\/\/lineage:[^@]*@/, `//${role}:writer-pw-1@`);
  const writer = await withRun(url);
  try {
    await writer.add(new File(Buffer.from('by the writer role'), { name: 'w.txt' }));
    assert.equal(writer.select(File, { name: 'w.txt' }).count(), 1);
    assert.ok((await writer.verify()).ok);
  } finally {
    await writer.close();
  }
  const [granted] = await pg.sql<{ u: boolean }>(`SELECT has_table_privilege('${role}', 'lineage_events', 'UPDATE') AS u`, [], db);
  assert.equal(granted!.u, false, 'the writer cannot update the log');
});

test('an unreachable database or a wrong password is STORE_UNAVAILABLE, and no message shows the password', async () => {
  const pg = await testPostgres();
  const wrong = pg.url().replace(`:${pg.password}@`, ':not-the-password-42@');
  const refused = await rejects(open(wrong), 'STORE_UNAVAILABLE');
  assert.not.match(refused.message, /not-the-password-42/);
  const down = `postgres://lineage:${pg.password}@127.0.0.1:1/postgres?ledger=x&retry_ms=200`;
  const unreachable = await rejects(open(down), 'STORE_UNAVAILABLE');
  assert.not.match(unreachable.message, new RegExp(pg.password));
  assert.match(unreachable.message, /postgres:\/\/lineage@127\.0\.0\.1:1\/postgres\?ledger=x/);
});

test.run();
