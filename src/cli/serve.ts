/**
 * `airlock serve [--policy FILE] [--reports DIR] [--listen 127.0.0.1:8470]`: the dashboard over
 * the gateway's record and a folder of reports, on loopback, until SIGINT/SIGTERM. It opens the
 * store read-only, so it may run beside a gateway writing it.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatHostPort, parseHostPort } from '../gateway/io/listen-address.js';
import { EXIT } from '../report/exit-codes.js';
import { probeGateway } from '../web/gateway-status.js';
import { recordView } from '../web/record-view.js';
import { Dashboard } from '../web/routes.js';
import { startDashboardServer } from '../web/server.js';
import { withRecordIfAny } from './record.js';
import type { CliContext } from './types.js';

interface Flags {
  policy?: string;
  reports?: string;
  listen: string;
  admin?: string;
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      "the dashboard on loopback: the gateway's record (traffic, refusals, unlock windows, the chain verified) and a folder of reports",
    )
    .option('--policy <file>', 'the policy naming the store, its HMAC key and anchor')
    .option('--reports <dir>', 'a folder of Airlock reports (inspect/audit/vet --json, scrub manifests)')
    .option('--listen <host:port>', 'where to listen (loopback only)', '127.0.0.1:8470')
    .option(
      '--admin <host:port>',
      "the gateway's admin port to ask how it is (default: the policy's gateway.adminListen)",
    )
    .action((flags: Flags) =>
      withRecordIfAny(flags.policy, async (rec, storePath, policy) => {
        const admin = parseHostPort(flags.admin ?? policy.gateway.adminListen);
        const dashboard = new Dashboard({
          ...(rec ? { record: recordView(rec) } : {}),
          storePath,
          ...(flags.reports ? { reportsDir: resolve(flags.reports) } : {}),
          gateway: () => probeGateway(admin),
          // A fleet's database: the page of every box recording into it.
          ...(rec?.kind === 'postgres'
            ? {
                fleet: async (window, maxRows, only) =>
                  (await import('../gateway/record/fleet.js')).readFleet(rec, policy, {
                    window,
                    maxRows,
                    checkChains: false,
                    ...(only === undefined ? {} : { only }),
                  }),
              }
            : {}),
        });
        const server = await startDashboardServer(dashboard, parseHostPort(flags.listen));
        const store = rec ? `store ${storePath}` : `no store yet (${storePath})`;
        // Handled before the line that says it is up (cli/gateway.ts says why).
        const stopped = new Promise<void>((res) => {
          process.once('SIGINT', res);
          process.once('SIGTERM', res);
        });
        process.stderr.write(
          `airlock serve: http://${formatHostPort(server.address)}/ · ${store}${flags.reports ? ` · reports ${resolve(flags.reports)}` : ''}\n`,
        );
        await stopped;
        await server.close();
        ctx.setExit(EXIT.OK);
      }),
    );
}
