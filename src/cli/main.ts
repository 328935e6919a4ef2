/**
 * The airlock command: commander parses, each command file maps flags to a core call and a
 * renderer. main() never exits the process itself; it returns the exit code
 * (src/report/exit-codes.ts) for bin/airlock.js to set.
 */
import { Command, CommanderError } from 'commander';
import { AirlockError } from '../core/errors.js';
import { EXIT } from '../report/exit-codes.js';
import { AIRLOCK_VERSION } from '../report/version.js';
import { describeError } from './describe-error.js';
import type { CliContext } from './types.js';

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Every command, in help order, loaded on demand: a run imports only the command it names
 * (start-up cost is per run, and a 20-file inspect should not pay for audit's or scrub's
 * modules). Help, an unknown or a missing command loads them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  inspect: async () => (await import('./inspect.js')).registerInspect,
  policy: async () => (await import('./policy.js')).registerPolicy,
  scrub: async () => (await import('./scrub.js')).registerScrub,
  audit: async () => (await import('./audit.js')).registerAudit,
  gateway: async () => (await import('./gateway.js')).registerGateway,
  log: async () => (await import('./log.js')).registerLog,
  vet: async () => (await import('./vet.js')).registerVet,
  serve: async () => (await import('./serve.js')).registerServe,
  demo: async () => (await import('./demo.js')).registerDemo,
  version: async () => (await import('./version.js')).registerVersion,
};

/** The command a command line names: its first argument that is not an option. */
function commandsFor(args: readonly string[]): string[] {
  const name = args.find((a) => !a.startsWith('-'));
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
}

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

  try {
    for (const name of commandsFor(ctx.args)) (await COMMANDS[name]!())(program, ctx);
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
