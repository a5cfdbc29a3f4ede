/** Drops undefined properties in place (canonical JSON and schemas would reject or lose them). */
export function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
