/** The documented limits of a ledger; each is enforced with LIMIT_EXCEEDED before anything is written. */
export const LIMITS = {
  /** Characters in a name, version, reference or suffix (after NFC normalization). */
  nameLength: 1024,
  /** Bytes of a run's params, as canonical JSON. */
  paramsBytes: 64 * 1024,
  /** Nesting depth of params. */
  paramsDepth: 32,
  /** Characters of a run's error message. */
  errorLength: 16 * 1024,
  /** Bytes of one stored event. */
  eventBytes: 256 * 1024,
  /** Events in one ledger: the in-memory index keeps seqs and entity numbers as 32-bit integers. */
  events: 2 ** 31 - 1,
  /** Bytes of content stored inside LevelDB, in the same batch as its event; larger content goes to a file. */
  inlineContentBytes: 256 * 1024,
  /** Characters in a label (and in a run's reference type). */
  labelLength: 256,
  /** Labels one `labels.add()` or `labels.remove()` call takes. */
  labelsPerCall: 1000,
} as const;
