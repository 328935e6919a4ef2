/**
 * `airlock demo [--dir DIR]`: write the sample kit, inspect it, scrub it, explain what was found;
 * write a gateway record and audit a capture of the tablet's link.
 */
import type { Command } from 'commander';
import { runDemo } from '../demo/run.js';
import type { CliContext } from './types.js';

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      "write a small fictional DJI-style sample kit, inspect it and scrub it under the default policy, write a gateway record, and audit a capture of the tablet's link",
    )
    .option(
      '--dir <dir>',
      'a new or empty folder for the kit (default ./airlock-demo, or a temp folder if taken)',
    )
    .action(async (flags: { dir?: string }) => {
      const { text, exitCode } = await runDemo(flags.dir);
      process.stdout.write(text);
      ctx.setExit(exitCode);
    });
}
