/**
 * `airlock log fleet --policy FILE [--since T] [--until T] [--keys DIR] [--json]`: every box whose
 * record is in the policy's PostgreSQL database (gateway/record/fleet.ts). Exit 0 when every chain
 * checked holds, 1 when one does not, 2 when the database cannot be read.
 */
import type { Command } from 'commander';
import { AirlockError } from '../core/errors.js';
import { windowToNow } from '../gateway/record/time-bound.js';
import { MAX_TALLY_ROWS } from '../gateway/record/window-tally.js';
import { EXIT } from '../report/exit-codes.js';
import { withRecord } from './record.js';
import type { CliContext } from './types.js';

interface FleetFlags {
  policy?: string;
  since: string;
  until?: string;
  keys?: string;
  json?: boolean;
}

export function registerFleet(log: Command, ctx: CliContext): void {
  log
    .command('fleet')
    .description(
      "every box recording into the policy's PostgreSQL database (store.postgresUrl): its last row, its traffic, and its chain where this host has its key",
    )
    .option('--policy <file>', "the policy naming the fleet's database, this box's key and anchor")
    .option('--since <time>', 'traffic at or after this time: ISO 8601 or a span before now (2h, 7d)', '24h')
    .option('--until <time>', 'traffic before this time: ISO 8601 or a span before now')
    .option('--keys <dir>', "other boxes' key files, named <box>.hmac.key: their chains are checked too")
    .option('--json', 'print the boxes as JSON')
    .action(async (flags: FleetFlags) => {
      const window = windowToNow(
        flags.since,
        flags.until,
        { since: '--since', until: '--until' },
        Date.now(),
      );
      await withRecord(flags.policy, 'read', async (rec, policy) => {
        if (rec.kind !== 'postgres')
          throw new AirlockError(
            'AIRLOCK_ERR_USAGE',
            "log fleet reads a fleet's PostgreSQL database (store.postgresUrl); this policy's store is a SQLite file",
          );
        const [{ readFleet }, { renderFleetJson, renderFleetText }] = await Promise.all([
          import('../gateway/record/fleet.js'),
          import('../report/fleet.js'),
        ]);
        const boxes = await readFleet(rec, policy, {
          window,
          maxRows: MAX_TALLY_ROWS,
          checkChains: true,
          ...(flags.keys ? { keysDir: flags.keys } : {}),
        });
        process.stdout.write(flags.json ? renderFleetJson(boxes, window) : renderFleetText(boxes, window));
        ctx.setExit(boxes.some((b) => b.chain.status === 'failed') ? EXIT.SENSITIVE : EXIT.OK);
      });
    });
}
