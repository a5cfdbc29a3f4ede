import type { Test } from 'uvu';
import { onPath as onPathOne } from '../../lib/cli/shell.js';

/**
 * A suite that needs something outside Node (a browser, a Python client). Where it is missing
 * and `CI` is not set, every test of the suite is reported as skipped, with one line saying why
 * and how to get it; under `CI` the suite always runs, so a missing requirement is a failure.
 */
export function requiring<T>(s: Test<T>, missing: string | undefined): Test<T> {
  if (missing === undefined || process.env.CI) return s;
  let announced = false;
  const skip = ((name: string, fn: unknown) => {
    if (!announced) {
      announced = true;
      process.stdout.write(`\nskipped: ${missing}\n`);
    }
    (s.skip as (name: string, fn: unknown) => void)(name, fn);
  }) as unknown as Test<T>;
  const noop = () => {};
  Object.assign(skip, {
    skip: s.skip,
    only: skip,
    before: Object.assign(noop, { each: noop }),
    after: Object.assign(noop, { each: noop }),
    run: () => s.run(),
  });
  return skip;
}

/** The first of `names` that is an executable on the PATH, as a full path (names in order of preference). */
export function onPath(...names: string[]): string | undefined {
  for (const name of names) {
    const p = onPathOne(name);
    if (p) return p;
  }
  return undefined;
}
