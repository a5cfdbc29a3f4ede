/** The content the crash child writes for a file name, so the parent can check what it reads back. */
export function contentOf(name: string, big: boolean): Buffer {
  const unit = Buffer.from(`${name}\n`);
  return Buffer.alloc(big ? 300 * 1024 : unit.length * 4, unit);
}
