import { resolve } from 'node:path';
import { LineageError } from './errors.js';
import { repairLedger, type RepairReport } from './log/repair.js';

export type { RepairReport };

/**
 * Repairs a closed ledger whose files are damaged (`LEDGER_CORRUPT`): keeps the events whose chain is
 * intact from seq 1, sets every later one aside in `<ledger>/lost+found/`, and reports what survived.
 */
export async function repair(path: string): Promise<RepairReport> {
  if (typeof path !== 'string' || path === '') throw new LineageError('INVALID_ARGUMENT', 'repair(path) takes the ledger folder');
  return repairLedger(resolve(path));
}
