#!/usr/bin/env node
import { commandOf, program } from './program.js';
import { report } from './common.js';

try {
  await (await program(commandOf(process.argv))).parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err);
}
