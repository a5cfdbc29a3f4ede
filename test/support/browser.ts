import { accessSync, constants } from 'node:fs';
import { onPath } from './requirement.js';

/** The browser the headless tests drive, or why there is none (for `requiring()`). */
export interface BrowserFound {
  path?: string;
  missing?: string;
}

/**
 * Finds a Chromium-family browser as users expect: `CHROME_PATH` (or `CHROMIUM_PATH`) when set,
 * else the first of `chromium`, `chromium-browser`, `google-chrome` on the PATH.
 */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): BrowserFound {
  for (const name of ['CHROME_PATH', 'CHROMIUM_PATH'] as const) {
    const path = env[name];
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return { path };
    } catch {
      // A set variable is what the user asked for: naming it beats quietly taking another browser.
      return { missing: `${name}=${path} is not an executable browser` };
    }
  }
  const path = onPath('chromium') ?? onPath('chromium-browser') ?? onPath('google-chrome');
  return path ? { path } : { missing: 'no Chromium for the browser tests: apt-get install chromium (or set CHROME_PATH)' };
}
