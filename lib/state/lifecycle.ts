import type { LifecycleEventData } from '../events/lifecycle.js';
import { Descriptions } from './descriptions.js';
import { Trash } from './trash.js';
import { Versions } from './versions.js';

/** One lifecycle event as a checkpoint keeps it: seq, time, type, data. */
export type LifecycleEntry = { [T in keyof LifecycleEventData]: [number, string, T, LifecycleEventData[T]] }[keyof LifecycleEventData];

/** The lifecycle event types. */
export const LIFECYCLE_TYPES: ReadonlySet<string> = new Set(['record.trashed', 'record.restored', 'file.erased', 'file.versioned', 'record.described']);

/**
 * The projection's state of trash, erasure, versions, keys and descriptions. These events are few
 * beside creations and loads, so they are also kept whole, in order, for checkpoints to store.
 */
export class Lifecycle {
  readonly trash = new Trash();
  readonly versions = new Versions();
  readonly descriptions = new Descriptions();
  readonly #entries: LifecycleEntry[] = [];

  /** A lifecycle state replayed from a checkpoint's entries. */
  constructor(entries: readonly LifecycleEntry[] = []) {
    for (const e of entries) this.apply(e);
  }

  /** Applies one lifecycle event, in log order. */
  apply(e: LifecycleEntry): void {
    this.#entries.push(e);
    const [seq, at] = e;
    switch (e[2]) {
      case 'record.trashed':
        this.trash.mark(e[3].kind, e[3].id, seq, 'trashed');
        break;
      case 'record.restored':
        this.trash.mark(e[3].kind, e[3].id, seq, 'restored');
        break;
      case 'file.erased':
        this.trash.mark('file', e[3].fileId, seq, 'erased', at, e[3].by);
        break;
      case 'file.versioned':
        this.versions.add(seq, e[3].fileId, e[3].key, e[3].revises);
        break;
      case 'record.described':
        this.descriptions.set(e[3].kind, e[3].id, seq, e[3].description);
        break;
    }
  }

  /** The entries up to `w`, for a checkpoint. */
  entries(w: number): LifecycleEntry[] {
    return this.#entries.filter((e) => e[0] <= w);
  }
}
