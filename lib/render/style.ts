/** Styles for terminal output; identity functions when colour is off. */
export interface Style {
  file(s: string): string;
  run(s: string): string;
  transform(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  error(s: string): string;
}

/** A style with no colour. */
export const PLAIN: Style = { file: (s) => s, run: (s) => s, transform: (s) => s, dim: (s) => s, bold: (s) => s, error: (s) => s };

/** An ANSI style. */
export const ANSI: Style = {
  file: (s) => `\x1b[36m${s}\x1b[39m`,
  run: (s) => `\x1b[33m${s}\x1b[39m`,
  transform: (s) => `\x1b[35m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  error: (s) => `\x1b[31m${s}\x1b[39m`,
};
