import { LIMITS } from '../limits.js';

/** The server's default limits (each overridable in createServer's options). */
export const SERVER_LIMITS = {
  /** Bytes of a request body as sent. */
  bodyBytes: 16 * 1024 * 1024,
  /** Requests in flight at once. */
  concurrentRequests: 256,
  /** Largest lineage depth a request may ask for. */
  lineageDepth: 100,
  /** Most nodes in one lineage answer. */
  lineageNodes: 10_000,
  /** Milliseconds to receive a whole request. */
  requestTimeoutMs: 30_000,
  /** Characters of one path parameter as sent (a name of LIMITS.nameLength characters, percent-encoded). */
  paramChars: LIMITS.nameLength * 12,
} as const;
