/**
 * The airlock command: commander parses, each command file maps flags to a core call and a
 * renderer. main() never exits the process itself; it returns the exit code
 * (src/report/exit-codes.ts) for bin/airlock.js to set.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError } from '../core/errors.js';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { registerAudit } from './audit.js';
import { registerDemo } from './demo.js';
import { describeError } from './describe-error.js';
import { registerInspect } from './inspect.js';
import { registerPolicy } from './policy.js';
import { registerScrub } from './scrub.js';
import type { CliContext } from './types.js';
import { registerVersion } from './version.js';

/** `argv` as in process.argv: [node, script, ...arguments]. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const ctx: CliContext = {
    args: argv.slice(2),
    setExit: (c) => {
      code = c;
    },
  };
  const program = new Command('airlock')
    .description("Keep an organisation's drone data on its own side of the wire, and prove it.")
    .version(AIRLOCK_VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  registerInspect(program, ctx);
  registerPolicy(program, ctx);
  registerScrub(program, ctx);
  registerAudit(program, ctx);
  registerDemo(program, ctx);
  registerVersion(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'node' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 in commander; anything else it rejects is a usage error.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof AirlockError) {
      process.stderr.write(`airlock: ${describeError(err)}\n`);
      return err.code === 'AIRLOCK_ERR_USAGE' ? EXIT.USAGE : EXIT.ERROR;
    }
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(
      `airlock: ${e?.code && e.syscall ? `${e.message}` : `internal error: ${e?.stack ?? e}`}\n`,
    );
    return EXIT.ERROR;
  }
}
