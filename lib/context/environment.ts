import { hostname, userInfo } from 'node:os';
import type { RunEnvironment } from '../events/types.js';

let cached: RunEnvironment | undefined;

/** Where this process runs: host, pid, platform, Node.js version and OS user; recorded on each new run. */
export function runEnvironment(): RunEnvironment {
  if (cached) return cached;
  // Keys in canonical order, so that sealing a run.started writes this object as it is.
  const env: RunEnvironment = { hostname: hostname().slice(0, 255), node: process.version, pid: process.pid, platform: process.platform };
  try {
    // userInfo() throws when the uid has no passwd entry (common in containers): then the user is unknown.
    env.user = userInfo().username.slice(0, 255);
  } catch {
    /* unknown user */
  }
  cached = Object.freeze(env);
  return cached;
}
