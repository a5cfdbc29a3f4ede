import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Ledger, type OpenOptions } from 'lineage-ledger';
import type { Test } from 'uvu';
import { testPostgres } from './support/postgres.js';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lineage-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A storage backend the shared suites run against. */
export interface Backend {
  name: 'memory-level' | 'classic-level' | 'postgres';
  /** Opens a fresh ledger. */
  fresh(options?: Omit<OpenOptions, 'path' | 'memory'>): Promise<Ledger>;
  /** Reopens the last ledger made by fresh() (the stores that outlive a process). */
  reopen?(options?: Omit<OpenOptions, 'path' | 'memory'>): Promise<Ledger>;
  cleanup(): void;
}

/** The stores: every shared suite runs once per store (PostgreSQL: a throwaway cluster, a fresh ledger each time). */
export function backends(): Backend[] {
  const dirs: string[] = [];
  let last: string | undefined;
  let lastUrl: string | undefined;
  return [
    { name: 'memory-level', fresh: (o = {}) => open({ ...o, memory: true }), cleanup: () => {} },
    {
      name: 'classic-level',
      fresh: (o = {}) => {
        const { dir } = tempDir();
        dirs.push(dir);
        last = join(dir, 'ledger');
        return open(last, o);
      },
      reopen: (o = {}) => open(last!, o),
      cleanup: () => {
        for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
      },
    },
    {
      name: 'postgres',
      fresh: async (o = {}) => {
        lastUrl = (await testPostgres()).url();
        return open(lastUrl, o);
      },
      reopen: (o = {}) => open(lastUrl!, o),
      // The cluster is the run's; each ledger has a name of its own in it.
      cleanup: () => {},
    },
  ];
}

/** `it(name, fn)` for a suite: each test gets a fresh ledger of `backend`, closed and cleaned up after it. */
export function onFreshLedger(test: Test, backend: Backend): (name: string, fn: (ln: Ledger) => Promise<void>) => void {
  return (name, fn) =>
    test(name, async () => {
      const ln = await backend.fresh();
      try {
        await fn(ln);
      } finally {
        await ln.close();
        backend.cleanup();
      }
    });
}
