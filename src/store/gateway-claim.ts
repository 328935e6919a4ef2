/**
 * One gateway per store. A gateway keeps its upload budgets and connection counts in memory, so
 * two gateways writing one store would each grant a destination its whole hourly budget, and an
 * upload split between them would get twice as far. Both would chain into one log that still
 * verifies. The second gateway is therefore refused at start.
 *
 * A SQLite store is claimed with a Linux abstract unix socket named after the file's device and
 * inode. Any path to the file finds the same claim, and the kernel drops the socket when the
 * process ends, SIGKILL included, so there is never a stale lock to clear by hand. Abstract names
 * are per network namespace, so a gateway in another namespace is not seen.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { AirlockError } from '../core/errors.js';

export interface GatewayClaim {
  release(): Promise<void>;
}

/** Why a second gateway is refused, said the same way for either store. */
export const TWO_GATEWAYS = 'two would each grant every destination its whole upload budget; stop it first';

/** How long the holder has to say its pid before the refusal goes without it. */
const ASK_PID_MS = 500;

export async function claimSqliteStore(path: string): Promise<GatewayClaim> {
  const st = statSync(path);
  const id = createHash('sha256').update(`${st.dev}:${st.ino}`).digest('hex').slice(0, 32);
  const name = `\0airlock-gateway-${id}`;
  const server = createServer((s) => s.end(`${process.pid}\n`));
  try {
    await listen(server, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const pid = await holderPid(name);
    throw new AirlockError(
      'AIRLOCK_ERR_IO',
      `another airlock gateway${pid ? ` (pid ${pid})` : ''} is writing this store: ${TWO_GATEWAYS}`,
      undefined,
      path,
    );
  }
  // The claim must not keep a stopping process alive.
  server.unref();
  return { release: () => new Promise((res) => server.close(() => res())) };
}

function listen(server: Server, name: string): Promise<void> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(name, () => {
      server.off('error', rej);
      res();
    });
  });
}

/** The holder's pid as it says it, or undefined when it does not say it in time. */
function holderPid(name: string): Promise<number | undefined> {
  return new Promise((res) => {
    let text = '';
    const s = createConnection(name);
    const done = (pid?: number) => {
      s.destroy();
      res(pid);
    };
    s.setTimeout(ASK_PID_MS, () => done());
    s.on('error', () => done());
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.length > 32) done();
    });
    s.on('end', () => {
      const m = /^(\d{1,10})\n$/.exec(text);
      done(m ? Number(m[1]) : undefined);
    });
  });
}
