/** `airlock version`. */
import type { Command } from 'commander';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import type { CliContext } from './types.js';

export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('print the Airlock version')
    .action(() => {
      process.stdout.write(`airlock ${AIRLOCK_VERSION}\n`);
      ctx.setExit(EXIT.OK);
    });
}
