/** `airlock policy init [FILE] [--force]` and `airlock policy check FILE`. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { DEFAULT_POLICY_YAML, loadPolicyFile, policyHash } from '../policy/index.js';
import { EXIT } from '../report/exit-codes.js';
import { describeError } from './describe-error.js';
import type { CliContext } from './types.js';

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('write or check an airlock.yaml policy file');
  policy
    .command('init')
    .description('write the default policy, commented, to FILE')
    .argument('[file]', 'where to write it', 'airlock.yaml')
    .option('--force', 'overwrite FILE if it exists')
    .action((file: string, flags: { force?: boolean }) => {
      try {
        // 'wx' fails if the file exists: the check and the write are one step.
        writeFileSync(file, DEFAULT_POLICY_YAML, { flag: flags.force ? 'w' : 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        process.stderr.write(`airlock: ${file} exists; use --force to overwrite it\n`);
        ctx.setExit(EXIT.ERROR);
        return;
      }
      process.stdout.write(`wrote the default policy to ${file}\n`);
      ctx.setExit(EXIT.OK);
    });
  policy
    .command('check')
    .description('validate a policy file (exit 0 valid, 2 invalid)')
    .argument('<file>', 'the policy file')
    .action((file: string) => {
      try {
        const hash = policyHash(loadPolicyFile(file));
        process.stdout.write(`${file}: valid (policy ${hash})\n`);
        ctx.setExit(EXIT.OK);
      } catch (err) {
        if (!(err instanceof AirlockError)) throw err;
        process.stderr.write(`airlock: ${describeError(err)}\n`);
        ctx.setExit(EXIT.ERROR);
      }
    });
}
