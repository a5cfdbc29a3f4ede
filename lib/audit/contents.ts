import type { View } from '../state/view.js';

/** What is wrong with one file's stored content. */
export interface ContentProblem {
  fileId: string;
  name: string;
  /** `missing`: no bytes where the log says they are; `corrupt`: bytes that do not hash to the recorded hash; `erased-but-present`: erased by an event, but a crash left the bytes (erase it again). */
  problem: 'missing' | 'corrupt' | 'erased-but-present';
}

/** What `verifyContents()` found: files whose content checks out, erased by an event, never stored, and the problems. */
export interface ContentsReport {
  ok: boolean;
  checked: number;
  erased: number;
  lineageOnly: number;
  problems: ContentProblem[];
}

/** How the report reads the store: a stored content's state, and whether erased bytes are still there. */
export interface ContentProbe {
  check(key: string, hash: string, name: string): Promise<'ok' | 'missing' | 'corrupt'>;
  present(key: string): Promise<boolean>;
}

/**
 * Checks every file's stored content as `view` sees the ledger, trashed ones included: an erasure
 * recorded by a `file.erased` event is reported as such, never as missing; bytes that are gone
 * without one are missing, bytes that changed are corrupt.
 */
export async function verifyContents(view: View, probe: ContentProbe): Promise<ContentsReport> {
  const report: ContentsReport = { ok: true, checked: 0, erased: 0, lineageOnly: 0, problems: [] };
  for (const id of view.fileIds()) {
    const row = view.file(id)!;
    if (row.key === undefined || row.hash === undefined) {
      report.lineageOnly++;
      continue;
    }
    if (view.erasure(id)) {
      report.erased++;
      // Bytes another live file still holds stay by design; only an orphan leftover is a problem.
      const shared = view.filesWithHash(row.hash).some((other) => other !== id && view.file(other)?.key !== undefined && !view.erasure(other));
      if (!shared && (await probe.present(row.key))) report.problems.push({ fileId: id, name: row.name, problem: 'erased-but-present' });
      continue;
    }
    report.checked++;
    const state = await probe.check(row.key, row.hash, row.name);
    if (state !== 'ok') report.problems.push({ fileId: id, name: row.name, problem: state });
  }
  report.ok = report.problems.length === 0;
  return report;
}
