import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type Ledger, type OpenOptions } from 'lineage-ledger';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'lineage-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A storage backend the shared suites run against. */
export interface Backend {
  name: 'memory-level' | 'classic-level';
  /** Opens a fresh ledger. */
  fresh(options?: Omit<OpenOptions, 'path' | 'memory'>): Promise<Ledger>;
  /** Reopens the last ledger made by fresh() (classic-level only). */
  reopen?(options?: Omit<OpenOptions, 'path' | 'memory'>): Promise<Ledger>;
  cleanup(): void;
}

/** Both backends: every shared suite runs once per backend. */
export function backends(): Backend[] {
  const dirs: string[] = [];
  let last: string | undefined;
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
  ];
}
