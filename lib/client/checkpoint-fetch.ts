import { LineageError } from '../errors.js';
import { sha256Hex } from '../log/envelope.js';
import { CheckpointLoader, decodeHeader } from '../state/checkpoint.js';
import type { Projection } from '../state/projection.js';
import type { Http } from './http.js';
import type { RemoteSource } from './remote-source.js';
import { unframe } from '../state/checkpoint-frames.js';

/** A client this many events behind the server starts from the server's checkpoint, when it has one, instead of every event. */
export const CATCH_UP_EVENTS = 10_000;

/**
 * The server's stored checkpoint as a projection (at its seq), or undefined when it has none. It is
 * checked as `open()` checks a stored one: its header names the hash of the event at its seq, which must
 * be the hash of that event's stored bytes as the server sends them; its pieces must add up to the
 * header's digest and shape. The follower then applies, and checks, every event after it.
 */
export async function fetchCheckpoint(http: Http, source: RemoteSource): Promise<Projection | undefined> {
  let res;
  try {
    res = await http.send('GET', '/checkpoint');
  } catch (err) {
    // 404: no checkpoint stored yet, or a server older than this route.
    if (err instanceof LineageError && err.code === 'INVALID_ARGUMENT') return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const frames = unframe(Buffer.concat(chunks));
  const header = decodeHeader(frames[0]!.toString('utf8'));
  const [at] = await source.getEvents([header.seq]);
  if (!at || sha256Hex(at.bytes) !== header.hash) throw new LineageError('LEDGER_CORRUPT', `the ledger server's checkpoint at seq ${header.seq} does not match its event there`);
  const loader = new CheckpointLoader(header);
  for (const piece of frames.slice(1)) loader.add(piece);
  return loader.finish();
}
